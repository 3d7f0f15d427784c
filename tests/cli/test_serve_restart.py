"""`chatbot serve` stopped with SIGTERM under load and started again: no message lost, none answered twice.

A real `python -m bot serve` process, the fake Graph API and a fake Gemini (answering "You asked: <the
message>", so every reply names its message) in this test's loop. Customers' messages arrive as signed
Messenger webhooks, one conversation's in order, each one resent until it is acknowledged with a 200,
as Meta does. Some turns are stuck in the model when SIGTERM arrives: the stop cuts them short after
its grace and gives their events back; more customers write while the server is down. The server is
started again on the same database, and at the fake platform every customer has exactly their replies,
once each, in the order they wrote.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.meta import SIGNATURE_HEADER, sign
from bot.config import Settings
from bot.security import CredentialBox
from bot.tenancy.demo.seed import DemoReport
from storage.db import transaction
from storage.models import InboundEvent, OutboxItem, Plan
from tests.fakes.gemini import FakeGemini, last_user_text
from tests.fakes.graph import FakeGraphAPI
from tests.support.doubles import wait_until
from tests.support.platforms import APP_SECRET, PAGE_ID, PAGE_TOKEN, add_messenger_channel

ROOT = Path(__file__).resolve().parents[2]
GEMINI_KEY = "gemini-key-for-restart"
# Conversations writing before the stop (each has a turn stuck in the model when it comes), and after it.
BEFORE, AFTER = 16, 8
MESSAGES = 4
# The second message of each early conversation: its first model call hangs until the stop cuts it short.
STUCK_MARK = "zq"
GRACE_SECONDS = 3.0
# Generous: the machine may be busy. Only a failure waits this long.
PATIENCE = 120.0


def ours(name: str) -> bool:
    return name.startswith("CHATBOT_") or name == "GEMINI_API_KEY"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """`python -m bot serve` as a child process, its log in a file."""

    env: dict[str, str]
    log_path: Path
    base_url: str
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise AssertionError(f"chatbot serve exited at start:\n{self.log()}")
                try:
                    async with http.get(f"{self.base_url}/healthz") as answer:
                        return answer.status == 200
                except aiohttp.ClientError:
                    return False

            await wait_until(healthy, timeout=PATIENCE, interval=0.1)

    async def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), PATIENCE)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass(frozen=True)
class Customer:
    psid: str
    texts: tuple[str, ...]


class Platform:
    """Delivers each customer's messages as Meta does: signed, in order, resent until answered 200."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url
        self.resent = 0

    async def deliver(self, customer: Customer) -> None:
        for number, text in enumerate(customer.texts):
            body = _webhook_body(customer.psid, f"m-{customer.psid}-{number}", text)
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, APP_SECRET)}
            while True:
                try:
                    async with self.http.post(self.url, data=body, headers=headers) as answer:
                        await answer.read()
                        if answer.status == 200:
                            break
                except (aiohttp.ClientError, TimeoutError):
                    pass
                self.resent += 1
                await asyncio.sleep(0.1)


def _webhook_body(psid: str, mid: str, text: str) -> bytes:
    now = int(time.time() * 1000)
    event = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": now}
    event["message"] = {"mid": mid, "text": text}
    return json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": [event]}]}
    ).encode()


def customers(prefix: str, psid_start: int, how_many: int, *, stuck: bool) -> list[Customer]:
    made = []
    for number in range(how_many):
        texts = [f"{prefix}{number:02d} note {index}" for index in range(MESSAGES)]
        if stuck:
            texts[1] += f" {STUCK_MARK}"
        made.append(Customer(str(psid_start + number), tuple(texts)))
    return made


@dataclass
class Fakes:
    graph: FakeGraphAPI
    gemini: FakeGemini


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    graph = FakeGraphAPI(pages={PAGE_ID: PAGE_TOKEN})
    gemini = FakeGemini(api_key=GEMINI_KEY)
    gemini.reply_always(lambda body: f"You asked: {last_user_text(body)}")
    gemini.hang_first(lambda text: STUCK_MARK in text)
    await graph.start()
    await gemini.start()
    try:
        yield Fakes(graph, gemini)
    finally:
        await gemini.close()
        await graph.close()


async def rows(sessions: async_sessionmaker[AsyncSession], model: type, *where: object) -> int:
    async with sessions() as session:
        found = await session.scalar(select(func.count()).select_from(model).where(*where))  # type: ignore[arg-type]
        return int(found or 0)


async def events(sessions: async_sessionmaker[AsyncSession]) -> list[InboundEvent]:
    async with sessions() as session:
        return list((await session.scalars(select(InboundEvent).order_by(InboundEvent.id))).all())


def replies(graph: FakeGraphAPI, customer: Customer) -> list[str]:
    return [str(body["message"].get("text")) for body in graph.sent_to(customer.psid) if "message" in body]


def all_answered(graph: FakeGraphAPI, everyone: list[Customer]) -> Callable[[], object]:
    async def check() -> bool:
        return all(len(replies(graph, customer)) >= MESSAGES for customer in everyone)

    return check


async def test_a_restart_under_load_loses_no_message_and_answers_none_twice(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    box: CredentialBox,
    secret_key: str,
    demo: DemoReport,
    fakes: Fakes,
    tmp_path: Path,
) -> None:
    key = await add_messenger_channel(sessions, box, demo.tenant_id)
    # This test is about restarts: every turn must reach the (fake) model, so no plan's rate may refuse one.
    async with transaction(sessions) as session:
        await session.execute(update(Plan).values(requests_per_minute=10**6, requests_per_hour=10**6))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {name: value for name, value in os.environ.items() if not ours(name)}
    env.update(
        CHATBOT_DATA_DIR=str(tmp_path),
        CHATBOT_DATABASE_URL=settings.effective_database_url,
        CHATBOT_SECRET_KEY=secret_key,
        CHATBOT_HOST="127.0.0.1",
        CHATBOT_PORT=str(port),
        CHATBOT_GRAPH_API_BASE=fakes.graph.base_url,
        CHATBOT_GEMINI_BASE_URL=fakes.gemini.base_url,
        GEMINI_API_KEY=GEMINI_KEY,
        CHATBOT_WORKER_CONCURRENCY="32",
        # Longer than this test waits for anything: a row that was not given back would stay stuck.
        CHATBOT_LEASE_SECONDS=str(PATIENCE * 2),
        CHATBOT_SHUTDOWN_GRACE_SECONDS=str(GRACE_SECONDS),
        CHATBOT_LOG_LEVEL="INFO",
        PYTHONIOENCODING="utf-8",
    )
    early = customers("a", 70000, BEFORE, stuck=True)
    late = customers("b", 80000, AFTER, stuck=False)
    first = Server(env, tmp_path / "first.log", base_url)
    second = Server(env, tmp_path / "second.log", base_url)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        platform = Platform(http, f"{base_url}/webhooks/messenger/{key}")
        try:
            await first.start()
            writing = [asyncio.create_task(platform.deliver(customer)) for customer in early]

            async def every_early_conversation_is_stuck_in_the_model() -> bool:
                return fakes.gemini.hanging == BEFORE

            await wait_until(every_early_conversation_is_stuck_in_the_model, timeout=PATIENCE)
            stopping = asyncio.create_task(first.terminate())
            writing += [asyncio.create_task(platform.deliver(customer)) for customer in late]
            assert await stopping == 0, first.log()

            # Stopped: nothing is left claimed, and the stuck turns were given back, their attempt uncounted.
            stop_line = next(line for line in first.log().splitlines() if "stopped: inbox" in line)
            assert re.search(rf"inbox \d+ finished, {BEFORE} released \[", stop_line), stop_line
            assert await rows(sessions, InboundEvent, InboundEvent.status == "processing") == 0
            assert await rows(sessions, OutboxItem, OutboxItem.status == "sending") == 0
            stuck = [row for row in await events(sessions) if STUCK_MARK in row.payload.get("text", "")]
            assert [(row.status, row.attempts) for row in stuck] == [("pending", 0)] * BEFORE

            await second.start()
            await asyncio.wait_for(asyncio.gather(*writing), PATIENCE)
            everyone = early + late
            await wait_until(all_answered(fakes.graph, everyone), timeout=PATIENCE, interval=0.1)

            async def settled() -> bool:
                unfinished = await rows(
                    sessions, InboundEvent, InboundEvent.status.in_(("pending", "processing"))
                )
                unsent = await rows(sessions, OutboxItem, OutboxItem.status.in_(("pending", "sending")))
                return unfinished == 0 and unsent == 0

            await wait_until(settled, timeout=PATIENCE, interval=0.1)
            assert await second.terminate() == 0, second.log()
        finally:
            await first.kill()
            await second.kill()

    for customer in everyone:
        assert replies(fakes.graph, customer) == [f"You asked: {text}" for text in customer.texts], customer
    assert await rows(sessions, InboundEvent) == len(everyone) * MESSAGES
    assert await rows(sessions, InboundEvent, InboundEvent.status != "done") == 0
    # One attempt each: a turn the stop cut short was given back, so it did not count.
    assert await rows(sessions, InboundEvent, InboundEvent.attempts != 1) == 0
    assert await rows(sessions, OutboxItem, OutboxItem.status != "sent") == 0
    assert platform.resent > 0  # customers wrote while no server listened, and were heard later
