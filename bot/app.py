"""aiohttp application factory: routes, and the runtime opened and closed in one cleanup context."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable

import httpx
from aiohttp import web

from adapters.base import Adapter, Platform, WebhookAdapter
from adapters.console import ConsoleAdapter
from adapters.groupme import GroupMeAdapter
from adapters.http_client import outbound_client
from adapters.messenger import MessengerAdapter
from adapters.whatsapp import WhatsAppAdapter
from bot.billing.rate_limits import RateLimitCheck
from bot.config import Settings
from bot.engine.types import IntentPort
from bot.handoff.auto_assign import AutoAssigner
from bot.runtime import ClosableLLM, Runtime, build_runtime
from bot.web import agent, api, health, links, metrics, webhooks
from bot.web.access_log import RedactedAccessLogger
from bot.web.app_keys import AUTO_ASSIGNER, RUNTIME, WEBHOOK_ADAPTERS
from bot.web.console import console_pages
from bot.web.http_errors import json_errors
from bot.web.request_ids import request_ids

RuntimeFactory = Callable[[Settings], Runtime]

log = logging.getLogger(__name__)

# How long a stopping server lets requests already received finish (CHATBOT_SHUTDOWN_GRACE_SECONDS;
# more than 0: aiohttp takes 0 as "wait for ever").
SHUTDOWN_GRACE = web.AppKey("shutdown_grace_seconds", float)


# Waiting conversations are offered to available agents this often (and at once after an agent's action).
AUTO_ASSIGN_POLLS = 4

# One connection pool for every platform call; a send that hangs is a retryable failure, not a stuck worker.


class PlatformAdapters:
    """The concrete adapters of this process, sharing one httpx client."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.messenger = MessengerAdapter(client, settings.graph_api_base)
        self.whatsapp = WhatsAppAdapter(client, settings.graph_api_base)
        self.groupme = GroupMeAdapter(client, settings.groupme_api_base)

    def senders(self) -> dict[str, Adapter]:
        # The console channel belongs to `chatbot chat`; the server never delivers its replies.
        return {
            Platform.MESSENGER.value: self.messenger,
            Platform.WHATSAPP.value: self.whatsapp,
            Platform.GROUPME.value: self.groupme,
            Platform.CONSOLE.value: ConsoleAdapter(),
        }

    def webhooks(self) -> dict[str, WebhookAdapter]:
        return {
            Platform.MESSENGER.value: self.messenger,
            Platform.WHATSAPP.value: self.whatsapp,
            Platform.GROUPME.value: self.groupme,
        }


def llm_from_settings(settings: Settings) -> ClosableLLM | None:
    """Gemini when a key (GEMINI_API_KEY) or a local endpoint (CHATBOT_GEMINI_BASE_URL) is configured.

    Otherwise None, and the offline engine answers. A local endpoint (a proxy or a fake) may need no key.
    """
    if settings.gemini_api_key is None and settings.gemini_base_url is None:
        return None
    from bot.engine.gemini import GeminiOptions, GeminiProvider  # google-genai costs ~0.5 s to import

    return GeminiProvider(
        GeminiOptions(
            api_key=settings.gemini_api_key.get_secret_value() if settings.gemini_api_key else "local",
            model=settings.gemini_model,
            base_url=settings.gemini_base_url,
            public_url=settings.effective_public_url,
        )
    )


def intents_from_settings(settings: Settings, llm: ClosableLLM | None) -> IntentPort | None:
    """The LLM intent scorer when CHATBOT_GEMINI_INTENT_MODEL is set and Gemini is configured."""
    if settings.gemini_intent_model is None or llm is None:
        return None
    from bot.engine.gemini import GeminiProvider
    from bot.engine.intents.llm_scorer import GeminiIntentScorer
    from bot.engine.router import shared_scorer

    if not isinstance(llm, GeminiProvider):
        return None
    return GeminiIntentScorer(llm.client, settings.gemini_intent_model, shared_scorer())


def serve_runtime(settings: Settings) -> Runtime:
    client = outbound_client(settings.outbound_connections)
    adapters = PlatformAdapters(settings, client)
    llm = llm_from_settings(settings)
    return build_runtime(
        settings,
        # Plan rate limits and flood control apply to served traffic (`chatbot chat` is the operator's).
        admission_checks=(RateLimitCheck(customer_limit=settings.customer_turns_per_minute),),
        adapters=adapters.senders(),
        except_platforms=(Platform.CONSOLE.value,),
        http=client,
        llm=llm,
        intents=intents_from_settings(settings, llm),
    )


def create_app(settings: Settings, runtime_factory: RuntimeFactory = serve_runtime) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[request_ids, json_errors])

    async def runtime_context(app: web.Application) -> AsyncIterator[None]:
        runtime = runtime_factory(settings)
        app[RUNTIME] = runtime
        # The webhook side only verifies and parses, but its adapters are built with a client: when the
        # runtime brings none, the one made here is closed here too.
        client, own_client = runtime.http, None
        if client is None:
            client = own_client = outbound_client(settings.outbound_connections)
        try:
            app[WEBHOOK_ADAPTERS] = PlatformAdapters(settings, client).webhooks()
            await runtime.check_credentials()
            assigner = AutoAssigner(
                runtime.sessions, interval_seconds=settings.poll_interval_seconds * AUTO_ASSIGN_POLLS
            )
            app[AUTO_ASSIGNER] = assigner
            runtime.start()
            assigner.start()
            yield
            await assigner.stop()
            await runtime.close()
        finally:
            if own_client is not None:
                await own_client.aclose()

    async def begin_stopping(app: web.Application) -> None:
        # aiohttp has closed the listener: turns and sends get their grace while the requests already
        # received finish alongside; the cleanup context waits for both before closing anything.
        runtime = app.get(RUNTIME)
        if runtime is not None:
            runtime.begin_stop()

    app[SHUTDOWN_GRACE] = settings.shutdown_grace_seconds
    app.cleanup_ctx.append(runtime_context)
    app.on_shutdown.append(begin_stopping)
    health.add_routes(app)
    metrics.add_routes(app)
    webhooks.add_routes(app)
    links.add_routes(app)
    agent.add_routes(app)
    api.add_routes(app)
    console_pages.add_routes(app)
    return app


async def start_server(
    app: web.Application, host: str, port: int, *, reuse_port: bool = False
) -> web.AppRunner:
    """Serve ``app`` (its runtime included) on host:port; ``await runner.cleanup()`` stops it.

    The access log is ``RedactedAccessLogger``: no webhook key, token or query string reaches it.
    `chatbot serve` runs exactly this, so a test that calls it checks what production runs. Port 0
    picks a free port (see ``runner.addresses``). ``reuse_port``: several processes (``--workers``)
    listen on the one port and the kernel spreads the connections over them (SO_REUSEPORT).
    """
    # Requests already received get the grace to finish (an app not made by create_app: aiohttp's 60 s).
    runner = web.AppRunner(
        app, access_log_class=RedactedAccessLogger, shutdown_timeout=app.get(SHUTDOWN_GRACE, 60.0)
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_port=reuse_port or None).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


async def serve_until_stopped(
    app: web.Application,
    host: str,
    port: int,
    on_started: Callable[[], None] = lambda: None,
    *,
    reuse_port: bool = False,
) -> None:
    """``start_server``, then serve until SIGINT or SIGTERM, then shut down gracefully.

    In order: the listener closes (a platform's next attempt finds no server and retries later; a
    request already received is either stored and answered 200 or not answered at all), the claim
    loops stop claiming, and running turns, sends and requests get CHATBOT_SHUTDOWN_GRACE_SECONDS to
    finish; what is left then is cancelled and its queue rows given back to be claimed at once.
    """
    runner = await start_server(app, host, port, reuse_port=reuse_port)
    try:
        on_started()
        await _stop_signal()
        log.info(
            "stop signal: not accepting connections; finishing work for up to %gs",
            app.get(SHUTDOWN_GRACE, 60.0),
        )
    finally:
        await runner.cleanup()


async def _stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        # Not on Windows: there Ctrl-C cancels the main task, and the caller's cleanup still runs.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(number, stop.set)
    await stop.wait()
