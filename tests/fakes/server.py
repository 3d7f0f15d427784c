"""A local aiohttp server on a free port: what every fake platform API runs on."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from aiohttp import web


class LocalServer:
    """Subclasses add their routes in ``_routes`` and may add a path prefix to the base URL."""

    path_prefix = ""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        # Set on close, so a scripted delay ends at once instead of holding the shutdown.
        self._closing = asyncio.Event()
        self.base_url = ""

    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> str:
        if self._runner is not None:
            raise RuntimeError("the fake is already running")
        self._closing = asyncio.Event()
        app = web.Application()
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}{self.path_prefix}"
        return self.base_url

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()
