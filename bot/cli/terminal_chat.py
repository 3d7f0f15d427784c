"""`chatbot chat`: a terminal conversation through accept -> inbox -> engine -> outbox -> console.

The replies travel the same durable path as any platform's and are stored like any other channel's.
This process runs its own worker and sender restricted to the console channel, so a server running
beside it (which leaves console channels alone) never steals the conversation.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TextIO

from adapters.base import Outbound, Platform
from adapters.console import ConsoleAdapter
from bot.app import intents_from_settings, llm_from_settings
from bot.config import Settings
from bot.errors import AdminError
from bot.runtime import Runtime, build_runtime
from bot.tenancy.tenant_accounts import require_tenant
from storage import channels
from storage import inbox_queue as inbox_queue
from storage import outbox_queue as outbox_queue
from storage.db import create_engine, read_only, session_factory, transaction
from storage.models import Bot, utcnow
from storage.sql import get_owned

TURN_TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.02
QUIT_WORDS = frozenset({"/quit", "/exit", "/q"})


@dataclass(frozen=True)
class ChatTarget:
    tenant_id: int
    channel_id: int
    bot_name: str


async def find_console_channel(settings: Settings, tenant_slug: str) -> ChatTarget:
    db = create_engine(settings.effective_database_url)
    try:
        async with transaction(session_factory(db)) as session:
            tenant = await require_tenant(session, tenant_slug)
            for channel in await channels.list_channels(session, tenant.id):
                if channel.platform == Platform.CONSOLE.value and channel.enabled:
                    bot = await get_owned(session, Bot, tenant.id, channel.bot_id)
                    return ChatTarget(tenant.id, channel.id, bot.name if bot else "bot")
    finally:
        await db.dispose()
    raise AdminError(
        f"tenant {tenant_slug!r} has no console channel; add one with: "
        f"chatbot channel add --tenant {tenant_slug} --platform console --name terminal"
    )


async def stdin_lines(prompt: str | None) -> AsyncIterator[str]:
    while True:
        if prompt is not None:
            try:
                line = await asyncio.to_thread(input, prompt)
            except EOFError:
                return
        else:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return
        yield line.rstrip("\n")


async def run_chat(
    settings: Settings,
    *,
    tenant_slug: str,
    user: str | None,
    lines: AsyncIterator[str],
    out: TextIO,
    show_banner: bool,
) -> int:
    target = await find_console_channel(settings, tenant_slug)
    user_id = user or getpass.getuser()

    async def print_reply(outbound: Outbound) -> None:
        out.write(f"{target.bot_name}: {outbound.text}\n")
        for number, choice in enumerate(outbound.choices, start=1):
            out.write(f"  {number}. {choice}\n")
        out.flush()

    console = ConsoleAdapter(sink=print_reply)
    llm = llm_from_settings(settings)
    runtime = build_runtime(
        settings,
        adapters={Platform.CONSOLE.value: console},
        only_channels=(target.channel_id,),
        llm=llm,
        intents=intents_from_settings(settings, llm),
    )
    runtime.start()
    if show_banner:
        out.write(f"Talking to {target.bot_name} ({tenant_slug}). Type /quit or press Ctrl-D to leave.\n")
        out.flush()
    failures = 0
    try:
        async for line in lines:
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT_WORDS:
                break
            item = console.inbound(user_id=user_id, text=text, now=utcnow(), name=user_id)
            await runtime.inbox.accept(target.tenant_id, target.channel_id, [item])
            status = await wait_for_turn(runtime, target, item.event_id)
            if status != "done":
                failures += 1
                out.write(f"(the message could not be answered: {status})\n")
                out.flush()
    finally:
        await runtime.close()
    return 1 if failures else 0


async def wait_for_turn(runtime: Runtime, target: ChatTarget, platform_event_id: str) -> str:
    """Wait until the event is processed and every reply it produced has been delivered (or failed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TURN_TIMEOUT_SECONDS
    while loop.time() < deadline:
        async with read_only(runtime.sessions) as session:
            event = await inbox_queue.find_event(
                session,
                tenant_id=target.tenant_id,
                channel_id=target.channel_id,
                platform_event_id=platform_event_id,
            )
            if event is not None and event.status == "failed":
                return f"failed: {event.error}"
            if (
                event is not None
                and event.status == "done"
                and await outbox_queue.unsent_for_event(
                    session, tenant_id=target.tenant_id, inbound_event_id=event.id
                )
                == 0
            ):
                return "done"
        await asyncio.sleep(POLL_SECONDS)
    return "timed out"
