"""A whole conversation through the server `chatbot serve` runs, logged at DEBUG: no words, keys or tokens.

The project's own logging configuration writes into a captured stream; the server is the real one (the
redacting access log included) on a free local port, and requests arrive over HTTP. The conversation:
a Meta handshake, a message answered through the fake Graph API, a message whose turn crashes with the
customer's words in the exception (and in a failing tool's exception), and a message whose reply the
Graph API refuses until the send gives up; then the channel's webhook key is rotated through the admin
API, and neither key is logged.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Platform
from adapters.meta import sign
from bot.app import PlatformAdapters, create_app, start_server
from bot.cli.log_setup import configure_logging
from bot.config import Settings
from bot.engine.tools.registry import Tool, ToolContext, ToolRegistry, TurnEffects
from bot.engine.types import Decision, Ports, Reply, Turn
from bot.runtime import Runtime, build_runtime
from bot.security import CredentialBox
from bot.tenancy.agent_accounts import create_agent
from bot.tenancy.demo.seed import DemoReport
from storage.db import transaction
from storage.models import InboundEvent, Message, OutboxItem, Tenant
from tests.fakes.graph import FakeGraphAPI
from tests.support.doubles import wait_until
from tests.support.platforms import APP_SECRET, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, add_messenger_channel

CUSTOMER = "2000000077"
ANSWERED = "Hello, this is Zebulon Quartermain from 12 Quince Lane"
CRASHES = "Cancel order TANGERINE-5521, the one for Aunt Philippa"
UNSENT = "Please ship the periwinkle kettle to Ostrava"
REPLY = "Thanks, we will get back to you shortly."
LINK_TOKEN = "lnk-Vq3r9XbT7pWm"

# Distinctive words of each text too, so a truncated or re-worded copy is caught as well.
CUSTOMER_WORDS = (
    *(ANSWERED, CRASHES, UNSENT),
    *("Quartermain", "Quince", "TANGERINE-5521", "Philippa", "periwinkle", "Ostrava"),
)


class CrashingTurn(Exception):
    """What the engine double raises for CRASHES; its message quotes the customer."""


class OrderLookupFailed(Exception):
    """What the failing tool raises; its message quotes the customer."""


@dataclass
class CustomerEngine:
    """Answers politely; for CRASHES it runs a tool that fails and then crashes, both quoting the text."""

    async def decide(self, turn: Turn, ports: Ports) -> Decision:
        text = turn.inbound.text or ""
        if text != CRASHES:
            return Decision(route="fallback", replies=(Reply(REPLY),))
        context = ToolContext(turn=turn, knowledge=ports.knowledge, effects=TurnEffects(), public_url="")
        await _TOOLS.execute("find_order", {}, context, ["find_order"])
        try:
            raise KeyError(text)
        except KeyError as exc:
            raise CrashingTurn(f"cannot answer {text!r}") from exc


async def _find_order(arguments: Mapping[str, Any], ctx: ToolContext) -> Mapping[str, Any]:
    text = ctx.turn.inbound.text
    try:
        raise LookupError(f"no order in {text}")
    except LookupError as exc:
        raise OrderLookupFailed(f"lookup failed for {text}") from exc


_TOOLS = ToolRegistry([Tool("find_order", "Find the customer's order.", {"type": "object"}, _find_order)])


@dataclass
class Served:
    http: httpx.AsyncClient
    graph: FakeGraphAPI
    sessions: async_sessionmaker[AsyncSession]
    webhook_key: str
    api_key: str
    agent_token: str
    log: io.StringIO

    async def say(self, text: str, number: int) -> httpx.Response:
        body = json.dumps(
            {
                "object": "page",
                "entry": [
                    {
                        "id": PAGE_ID,
                        "time": 1718000000000 + number,
                        "messaging": [
                            {
                                "sender": {"id": CUSTOMER},
                                "recipient": {"id": PAGE_ID},
                                "timestamp": 1718000000000 + number,
                                "message": {"mid": f"m_privacy_{number}", "text": text},
                            }
                        ],
                    }
                ],
            }
        ).encode()
        return await self.http.post(
            f"/webhooks/messenger/{self.webhook_key}",
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
        )

    async def event_status(self, number: int) -> tuple[str, str | None]:
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(InboundEvent.status, InboundEvent.error).where(
                        InboundEvent.platform_event_id == f"m_privacy_{number}"
                    )
                )
            ).one()
        return row[0], row[1]


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """The project's logging configuration at DEBUG into a string; the previous configuration after."""
    root = logging.getLogger()
    touched = [logging.getLogger(name) for name in ("sqlalchemy.engine", "aiosqlite", "httpcore", "httpx")]
    saved = (list(root.handlers), root.level, [logger.level for logger in touched])
    stream = io.StringIO()
    configure_logging("DEBUG", stream)
    try:
        yield stream
    finally:
        for handler in root.handlers[:]:
            if handler not in saved[0]:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(saved[1])
        for logger, level in zip(touched, saved[2], strict=True):
            logger.setLevel(level)


@pytest.fixture
async def served(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    box: CredentialBox,
    demo: DemoReport,
    captured_logs: io.StringIO,
) -> AsyncIterator[Served]:
    graph = FakeGraphAPI(pages={PAGE_ID: PAGE_TOKEN})
    settings = settings.model_copy(update={"graph_api_base": await graph.start(), "log_level": "DEBUG"})
    webhook_key = await add_messenger_channel(sessions, box, demo.tenant_id)
    async with transaction(sessions) as session:
        tenant = await session.get(Tenant, demo.tenant_id)
        assert tenant is not None
        agent = await create_agent(session, tenant=tenant, name="Robin", role="agent", email=None)
    assert demo.api_key is not None

    def runtime(settings: Settings) -> Runtime:
        # What serve_runtime wires, with the engine double in place of the router.
        client = httpx.AsyncClient()
        return build_runtime(
            settings,
            adapters=PlatformAdapters(settings, client).senders(),
            except_platforms=(Platform.CONSOLE.value,),
            http=client,
            engine=CustomerEngine(),
        )

    runner = await start_server(create_app(settings, runtime), "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as http:
            yield Served(http, graph, sessions, webhook_key, demo.api_key, agent.secret, captured_logs)
    finally:
        await runner.cleanup()
        await graph.close()


async def test_a_whole_conversation_logs_no_words_keys_or_tokens(served: Served) -> None:
    handshake = await served.http.get(
        f"/webhooks/messenger/{served.webhook_key}",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8675309"},
    )
    assert handshake.text == "8675309"
    health = await served.http.get("/healthz", headers={"Authorization": f"Bearer {served.api_key}"})
    assert health.status_code == 200
    await served.http.get(
        "/api/v1/agent/conversations",
        params={"api_key": served.api_key},
        headers={"Authorization": f"Bearer {served.agent_token}"},
    )
    await served.http.get(f"/r/{LINK_TOKEN}")

    # Answered: the reply reaches the fake Graph API.
    assert (await served.say(ANSWERED, 1)).status_code == 200

    async def answered() -> bool:
        return len(served.graph.sent_to(CUSTOMER)) == 1

    await wait_until(answered)
    assert served.graph.sent_to(CUSTOMER)[0]["message"]["text"] == REPLY

    # A turn that crashes on every attempt is parked as failed.
    assert (await served.say(CRASHES, 2)).status_code == 200

    async def crashed() -> bool:
        return (await served.event_status(2))[0] == "failed"

    await wait_until(crashed)

    # A reply the Graph API keeps refusing ends as a failed send.
    served.graph.fail_next(http_status=500, times=1000)
    assert (await served.say(UNSENT, 3)).status_code == 200

    async def gave_up() -> bool:
        async with served.sessions() as session:
            statuses = (await session.scalars(select(OutboxItem.status))).all()
        return len(statuses) == 2 and "failed" in statuses

    await wait_until(gave_up)

    # The webhook key replaced through the admin API: the old URL is refused, the new one answers.
    auth = {"Authorization": f"Bearer {served.api_key}"}
    listed = (await served.http.get("/api/v1/channels", headers=auth)).json()["items"]
    (page,) = [c["id"] for c in listed if c["external_id"] == PAGE_ID]
    rotated = await served.http.post(f"/api/v1/channels/{page}/rotate-webhook-key", headers=auth)
    assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["webhook_url"].rpartition("/")[2]
    assert (await served.say("hello again", 4)).status_code == 404
    new_handshake = await served.http.get(
        f"/webhooks/messenger/{new_key}",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "5551212"},
    )
    assert new_handshake.text == "5551212"

    logged = served.log.getvalue()
    # The capture saw the whole story (requests, SQL, tracebacks, failures), so its silence means something.
    assert "aiohttp.access" in logged
    assert "INSERT INTO messages" in logged
    assert "Traceback (most recent call last)" in logged
    assert "OrderLookupFailed" in logged
    assert "CrashingTurn" in logged
    assert "outbox: message" in logged
    assert "gave up" in logged

    secrets = {
        "webhook key": served.webhook_key,
        "rotated webhook key": new_key,
        "page access token": PAGE_TOKEN,
        "app secret": APP_SECRET,
        "verify token": VERIFY_TOKEN,
        "tenant API key": served.api_key,
        "agent token": served.agent_token,
        "tracked link token": LINK_TOKEN,
    }
    for word in CUSTOMER_WORDS:
        assert word not in logged, f"the customer's words {word!r} were logged"
    for name, secret in secrets.items():
        assert secret not in logged, f"the {name} was logged"
    # Requests are still told apart: the route, with its secret parts masked.
    assert "GET /webhooks/messenger/*** 200" in logged
    assert "POST /webhooks/messenger/*** 200" in logged
    assert "GET /r/*** 404" in logged
    assert "POST /webhooks/messenger/*** 404" in logged
    assert "POST /api/v1/channels/***/rotate-webhook-key 200" in logged

    status, error = await served.event_status(2)
    assert status == "failed"
    assert error is not None
    assert "CrashingTurn" in error
    for word in CUSTOMER_WORDS:
        assert word not in error

    async with served.sessions() as session:
        send_errors = (await session.scalars(select(OutboxItem.last_error))).all()
        message_errors = (await session.scalars(select(Message.error))).all()
    stored = " ".join(e for e in [*send_errors, *message_errors] if e)
    assert stored, "the failed send left no error to read"
    for word in CUSTOMER_WORDS:
        assert word not in stored
