"""The real app (``bot.app.start_server``, as `chatbot serve` runs it) on a free port, in a thread of its own.

Blocking HTTP clients (schemathesis sends with requests) can then call it from a test: the server's
event loop runs in its thread, never blocked by the test. Before serving, the database is seeded with
the demo tenant ("A", with its past sales, so conversations, customers and conversions exist) and a
second tenant ("B"); each has an API key.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from bot.app import create_app, start_server
from bot.config import Settings
from bot.security import CredentialBox, resolve_secret_key
from bot.tenancy.demo.seed import seed_demo
from bot.tenancy.tenant_accounts import issue_api_key
from storage.db import create_engine, session_factory, transaction
from tests.support.admin_api import second_tenant_key

T = TypeVar("T")


@dataclass(frozen=True)
class LiveApi:
    url: str
    # The demo tenant's API key (tenant A) and the second tenant's (tenant B).
    key_a: str
    key_b: str
    tenant_a: int
    # Issues tenant A another API key (a fuzzed DELETE /api-keys/{id} may revoke the one in use).
    new_key_a: Callable[[], str] = field(repr=False, compare=False, default=lambda: "")

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


class ServerThread:
    """Seeds the database, then serves the app on 127.0.0.1:<free port> until ``stop()``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-api", daemon=True)
        self.runner: web.AppRunner | None = None

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run ``coroutine`` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> LiveApi:
        self.thread.start()
        return self.run(self._start())

    async def _start(self) -> LiveApi:
        engine = create_engine(self.settings.effective_database_url)
        try:
            sessions = session_factory(engine)
            box = CredentialBox(resolve_secret_key(self.settings))
            async with transaction(sessions) as session:
                demo = await seed_demo(session, box, sales=True)
            key_b = await second_tenant_key(sessions)
        finally:
            await engine.dispose()
        assert demo.api_key is not None
        self.runner = await start_server(create_app(self.settings), "127.0.0.1", 0)
        host, port = self.runner.addresses[0][:2]
        tenant_a = demo.tenant_id
        return LiveApi(
            f"http://{host}:{port}",
            demo.api_key,
            key_b,
            tenant_a,
            new_key_a=lambda: self.run(self._new_key(tenant_a)),
        )

    async def _new_key(self, tenant_id: int) -> str:
        engine = create_engine(self.settings.effective_database_url)
        try:
            async with transaction(session_factory(engine)) as session:
                return await issue_api_key(session, tenant_id, name="fuzz")
        finally:
            await engine.dispose()

    def stop(self) -> None:
        if self.runner is not None:
            self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()
