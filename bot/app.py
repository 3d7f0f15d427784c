"""aiohttp application factory: routes, and the runtime opened and closed in one cleanup context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from adapters.base import Adapter, Platform
from adapters.console import ConsoleAdapter
from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from bot.web import health
from bot.web.keys import RUNTIME

RuntimeFactory = Callable[[Settings], Runtime]


def default_adapters() -> dict[str, Adapter]:
    # The console channel belongs to `chatbot chat`; the server never delivers its replies.
    return {Platform.CONSOLE.value: ConsoleAdapter()}


def serve_runtime(settings: Settings) -> Runtime:
    return build_runtime(settings, adapters=default_adapters(), except_platforms=(Platform.CONSOLE.value,))


def create_app(settings: Settings, runtime_factory: RuntimeFactory = serve_runtime) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes)

    async def runtime_context(app: web.Application) -> AsyncIterator[None]:
        runtime = runtime_factory(settings)
        app[RUNTIME] = runtime
        runtime.start()
        yield
        await runtime.close()

    app.cleanup_ctx.append(runtime_context)
    health.add_routes(app)
    return app
