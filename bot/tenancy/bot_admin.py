"""A tenant's bots through the admin API: list, read, create, change and delete them by id.

The rules a bot's settings follow are bot/tenancy/bot_settings.py's (shared with `chatbot bot set`). A
bot that channels still answer on, or that has conversations, is not deleted: the channels would have no
bot, and the history would lose what answered it (set ``active`` to false instead).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.render import counted
from bot.tenancy.bot_settings import BotChanges, BotFields, bot_values
from bot.tenancy.config_errors import Conflict, NotFound
from bot.tenancy.row_versions import check_version
from bot.tenancy.schema_base import apply_changes
from storage import channels
from storage.keyset import Page, newest_first
from storage.models import Bot, Channel, Conversation
from storage.sql import get_owned


async def list_bots(session: AsyncSession, tenant_id: int, *, limit: int, before: int | None) -> Page[Bot]:
    statement = select(Bot).where(Bot.tenant_id == tenant_id)
    return await newest_first(session, statement, Bot.id, limit=limit, before=before)


async def get_bot(session: AsyncSession, tenant_id: int, bot_id: int, *, for_update: bool = False) -> Bot:
    bot = await get_owned(session, Bot, tenant_id, bot_id, for_update=for_update)
    if bot is None:
        raise NotFound(f"no bot {bot_id}")
    return bot


async def create_bot(session: AsyncSession, tenant_id: int, fields: BotFields) -> Bot:
    values = bot_values(fields)
    await _refuse_taken_name(session, tenant_id, values["name"])
    bot = Bot(tenant_id=tenant_id, **values)
    session.add(bot)
    await _flush(session, bot.name)
    return bot


async def change_bot(
    session: AsyncSession, tenant_id: int, bot_id: int, changes: BotChanges, *, if_match: str | None
) -> Bot:
    bot = await get_bot(session, tenant_id, bot_id, for_update=True)
    check_version(bot, if_match)
    values = bot_values(changes)
    if "name" in values and values["name"] != bot.name:
        await _refuse_taken_name(session, tenant_id, values["name"])
    apply_changes(bot, values)
    await _flush(session, bot.name)
    return bot


async def delete_bot(session: AsyncSession, tenant_id: int, bot_id: int, *, if_match: str | None) -> None:
    bot = await get_bot(session, tenant_id, bot_id, for_update=True)
    check_version(bot, if_match)
    used_by = await session.scalar(
        select(func.count())
        .select_from(Channel)
        .where(Channel.tenant_id == tenant_id, Channel.bot_id == bot.id)
    )
    if used_by:
        raise Conflict(
            f"the bot answers on {counted(int(used_by), 'channel')}; give them another bot_id first",
            code="bot_in_use",
        )
    talked = await session.scalar(
        select(Conversation.id)
        .where(Conversation.tenant_id == tenant_id, Conversation.bot_id == bot.id)
        .limit(1)
    )
    if talked is not None:
        raise Conflict(
            "the bot has conversations, which keep naming it; set active to false instead",
            field="active",
            code="bot_has_history",
        )
    await session.delete(bot)
    await session.flush()


async def _refuse_taken_name(session: AsyncSession, tenant_id: int, name: str) -> None:
    if await channels.get_bot_by_name(session, tenant_id, name) is not None:
        raise Conflict(f"a bot named {name!r} already exists", field="name")


async def _flush(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError:  # another request took the name between our check and this write
        raise Conflict(f"a bot named {name!r} already exists", field="name") from None
