"""The benchmark's helper servers, each run in its own process: the fake platform, the fake Gemini, and the
two anchors (a bare aiohttp POST handler and a naive one-INSERT-per-request handler).

``python -m bench.servers platform|gemini|bare|naive [options]`` listens on a free loopback port, prints
one JSON line ``{"url": ...}`` when it is ready, and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import Column, Float, Integer, MetaData, Table, Text, event, insert
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from tests.fakes.gemini import FakeGemini, last_user_text
from tests.fakes.graph import FakeGraphAPI
from tests.fakes.server import LocalServer

REPLIES_PATH = "/_bench/replies"
# How long a reply poll waits for something new before it answers with nothing.
POLL_WAIT_SECONDS = 1.0


class RecordingGraphAPI(FakeGraphAPI):
    """The Graph API fake, remembering only each accepted Messenger reply: who, what, and when it arrived.

    The load generator long-polls ``GET /_bench/replies?after=N`` for replies N, N+1, ... (arrival times
    are ``time.monotonic()``, which every process on the machine shares). The fake's own request logs
    are cleared as it goes, so that a long run does not grow it.
    """

    def __init__(self, pages: dict[str, str]) -> None:
        super().__init__(pages=pages)
        self.replies: list[tuple[str, str, float]] = []
        self._arrived = asyncio.Event()

    def _routes(self, app: web.Application) -> None:
        app.router.add_get(REPLIES_PATH, self._replies)
        super()._routes(app)

    def _messenger(self, body: dict[str, Any]) -> web.Response:
        response = super()._messenger(body)
        if response.status == 200 and isinstance(body.get("message"), dict):
            self.replies.append(
                (str(body["recipient"]["id"]), str(body["message"].get("text")), time.monotonic())
            )
            self._arrived.set()
        self.requests.clear()
        self.sent.clear()
        self.actions.clear()
        self.message_ids.clear()
        return response

    async def _replies(self, request: web.Request) -> web.Response:
        after = int(request.query.get("after", "0"))
        if after >= len(self.replies):
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), POLL_WAIT_SECONDS)
        return web.json_response({"replies": self.replies[after:]})


class BareAnchor(LocalServer):
    """Reads the body and answers 200: the least any webhook handler can do."""

    def _routes(self, app: web.Application) -> None:
        async def handle(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(text="ok")

        app.router.add_post("/{tail:.*}", handle)


class NaiveAnchor(LocalServer):
    """One SQLAlchemy-async INSERT and commit per request (aiosqlite, WAL), as a first handler would do."""

    def __init__(self, database: Path) -> None:
        super().__init__()
        self._engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
        event.listen(self._engine.sync_engine, "connect", _wal)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        self._table = Table(
            "webhooks",
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column("received_at", Float, nullable=False),
            Column("body", Text, nullable=False),
        )

    async def start(self) -> str:
        async with self._engine.begin() as connection:
            await connection.run_sync(self._table.metadata.create_all)
        return await super().start()

    async def close(self) -> None:
        await super().close()
        await self._engine.dispose()

    def _routes(self, app: web.Application) -> None:
        async def handle(request: web.Request) -> web.Response:
            body = await request.text()
            async with self._sessions() as session:
                await session.execute(insert(self._table).values(received_at=time.time(), body=body))
                await session.commit()
            return web.Response(text="ok")

        app.router.add_post("/{tail:.*}", handle)


def _wal(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _gemini(api_key: str, latency: float) -> FakeGemini:
    fake = FakeGemini(api_key=api_key)
    fake.latency = latency
    # The reply names the question, so the load generator can tell which message it answers.
    fake.reply_always(lambda body: f"You asked: {last_user_text(body)}")
    fake.requests = _Forgetful()
    return fake


class _Forgetful(list[Any]):
    """A request log that keeps nothing (the fake's ``count`` stays 0); a long run must not grow it."""

    def append(self, _item: Any) -> None:
        return None


async def _serve(server: LocalServer, url: Callable[[LocalServer], str]) -> None:
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    print(json.dumps({"url": url(server)}), flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()


def _root(server: LocalServer) -> str:
    return server.base_url.removesuffix(server.path_prefix)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.servers", description=__doc__)
    kinds = parser.add_subparsers(dest="kind", required=True)
    platform = kinds.add_parser("platform", help="the fake Graph API, recording replies")
    platform.add_argument("--page-id", required=True)
    platform.add_argument("--token", required=True)
    gemini = kinds.add_parser("gemini", help="the fake Gemini, answering every request after --latency")
    gemini.add_argument("--api-key", required=True)
    gemini.add_argument("--latency", type=float, default=0.0)
    kinds.add_parser("bare", help="anchor: answer 200")
    naive = kinds.add_parser("naive", help="anchor: one INSERT+commit per request")
    naive.add_argument("--database", type=Path, required=True)
    args = parser.parse_args(argv)

    server: LocalServer
    url: Callable[[LocalServer], str] = _root
    if args.kind == "platform":
        server = RecordingGraphAPI({args.page_id: args.token})
        url = lambda s: s.base_url  # noqa: E731 - the Graph base includes its version
    elif args.kind == "gemini":
        server = _gemini(args.api_key, args.latency)
    elif args.kind == "bare":
        server = BareAnchor()
    else:
        server = NaiveAnchor(args.database)
    asyncio.run(_serve(server, url))


if __name__ == "__main__":
    main()
