"""Benchmark: accept throughput (group commit vs one commit each) and end-to-end turns per second.

Usage: .venv/bin/python -m bench.pipeline [--database-url URL] [--events 2000] [--runs 3]
Runs against a fresh SQLite file by default. Prints a Markdown table; numbers are medians of --runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select, text

from adapters.console import ConsoleAdapter
from bot.config import load_settings
from bot.pipeline.accept import Inbox, to_new_event
from bot.runtime import build_runtime
from bot.security import CredentialBox
from bot.tenancy.demo.seed import seed_demo
from storage.db import create_engine, session_factory, transaction
from storage.migrate import upgrade
from storage.models import Base, Channel, InboundEvent, OutboxItem, utcnow


async def _reset(url: str) -> tuple[int, int]:
    db = create_engine(url)
    try:
        sessions = session_factory(db)
        async with transaction(sessions) as session:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name not in ("plans", "alembic_version"):
                    await session.execute(text(f"DELETE FROM {table.name}"))
        box = CredentialBox(Fernet.generate_key())
        async with transaction(sessions) as session:
            report = await seed_demo(session, box)
            channel = await session.scalar(select(Channel).where(Channel.tenant_id == report.tenant_id))
            assert channel is not None
            return report.tenant_id, channel.id
    finally:
        await db.dispose()


async def accept_rate(url: str, events: int, concurrent: bool) -> float:
    tenant_id, channel_id = await _reset(url)
    db = create_engine(url)
    inbox = Inbox(session_factory(db))
    console = ConsoleAdapter()
    items = [console.inbound(user_id=f"u{i % 50}", text=f"hello {i}", now=utcnow()) for i in range(events)]
    started = time.perf_counter()
    if concurrent:
        await asyncio.gather(*(inbox.accept(tenant_id, channel_id, [item]) for item in items))
    else:
        for item in items:
            await inbox.accept_events([to_new_event(tenant_id, channel_id, item)])
    elapsed = time.perf_counter() - started
    await db.dispose()
    return events / elapsed


async def turn_rate(url: str, events: int, conversations: int) -> float:
    tenant_id, channel_id = await _reset(url)
    sent = 0

    async def sink(_outbound: object) -> None:
        nonlocal sent
        sent += 1

    settings = load_settings(
        {}, database_url=url, secret_key=Fernet.generate_key().decode(), poll_interval_seconds=0.05
    )
    runtime = build_runtime(settings, adapters={"console": ConsoleAdapter(sink=sink)})  # type: ignore[arg-type]
    questions = ["what are your opening hours?", "do you ship abroad?", "hi", "!price", "can I get a refund?"]
    console = ConsoleAdapter()
    items = [
        to_new_event(
            tenant_id,
            channel_id,
            console.inbound(user_id=f"u{i % conversations}", text=questions[i % 5], now=utcnow()),
        )
        for i in range(events)
    ]
    await runtime.inbox.accept_events(items)
    started = time.perf_counter()
    runtime.start()
    while True:
        async with transaction(runtime.sessions) as session:
            done = await session.scalar(
                select(text("count(*)")).select_from(InboundEvent).where(InboundEvent.status == "done")
            )
            unsent = await session.scalar(
                select(text("count(*)")).select_from(OutboxItem).where(OutboxItem.status != "sent")
            )
        if done == events and unsent == 0:
            break
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    await runtime.close()
    assert sent == events, (sent, events)
    return events / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    rows = []
    for label, run in (
        ("accept, one commit per event (sequential)", lambda: accept_rate(url, args.events, False)),
        ("accept, concurrent webhooks (group commit)", lambda: accept_rate(url, args.events, True)),
        (
            f"end-to-end turns, offline engine, {args.turns} events / 50 conversations",
            lambda: turn_rate(url, args.turns, 50),
        ),
    ):
        samples = [asyncio.run(run()) for _ in range(args.runs)]
        rows.append((label, statistics.median(samples), min(samples), max(samples)))
    backend = url.split(":", 1)[0]
    print(f"| {backend} | median per second | min | max |\n| --- | ---: | ---: | ---: |")
    for label, median, low, high in rows:
        print(f"| {label} | {median:,.0f} | {low:,.0f} | {high:,.0f} |")


if __name__ == "__main__":
    main()
