"""A tenant's bots through the admin API: list, read, create, change and delete them by id.

The rules a bot's settings follow are bot/tenancy/bot_settings.py's (shared with `chatbot bot set`). A
bot that channels still answer on, or that has conversations, is not deleted: the channels would have no
bot, and the history would lose what answered it (set ``active`` to false instead).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.render import counted
from bot.tenancy.bot_settings import BotChanges, BotFields, bot_values
from bot.tenancy.config_errors import Conflict
from bot.tenancy.named_rows import NamedRows
from storage.keyset import Page
from storage.models import Bot, Channel, Conversation

BOTS: NamedRows[Bot] = NamedRows(Bot, "bot")


async def list_bots(session: AsyncSession, tenant_id: int, *, limit: int, before: int | None) -> Page[Bot]:
    return await BOTS.page(session, tenant_id, limit=limit, before=before)


async def get_bot(session: AsyncSession, tenant_id: int, bot_id: int, *, for_update: bool = False) -> Bot:
    return await BOTS.get(session, tenant_id, bot_id, for_update=for_update)


async def create_bot(session: AsyncSession, tenant_id: int, fields: BotFields) -> Bot:
    return await BOTS.create(session, tenant_id, bot_values(fields))


async def change_bot(
    session: AsyncSession, tenant_id: int, bot_id: int, changes: BotChanges, *, if_match: str | None
) -> Bot:
    return await BOTS.change(session, tenant_id, bot_id, bot_values(changes), if_match=if_match)


async def delete_bot(session: AsyncSession, tenant_id: int, bot_id: int, *, if_match: str | None) -> None:
    async def refuse_if_used(bot: Bot) -> None:
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

    await BOTS.delete(session, tenant_id, bot_id, if_match=if_match, refuse=refuse_if_used)
