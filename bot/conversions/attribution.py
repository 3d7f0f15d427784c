"""Attribution: the bot turn a conversion is owed to, and what is copied from it onto the conversion.

The rule:

1. A conversion through a tracked link is owed to the turn that made the link (the reply that offered
   it), however long ago.
2. Otherwise (a link whose reply is gone, a conversation or a customer) to the bot's last reply in the
   conversation (for a customer: in any of the customer's one-to-one conversations) sent within the
   tenant's attribution window before the conversion (``attribution_window_days``, default 7). Only
   replies that answered the customer count: a command, a template, a knowledge answer or an LLM turn,
   never a fallback, a handoff notice or a rating question.
3. No such reply: the conversion is recorded without a turn (``message_id`` null).

The conversion keeps that turn's bot, the intent and score of the customer message it answered, and the
conversation's first and last touch (bot.conversions.touches) as they stood when it was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversions.touches import Touch, touch_columns, touches_of
from storage import turn_attribution as turns
from storage.models import Conversation, Customer
from storage.sql import get_owned
from storage.tracked_links import LinkTarget

# The routes of replies that answered the customer (what a sale can be owed to).
ATTRIBUTABLE_ROUTES = ("command", "template", "knowledge", "llm")


@dataclass(frozen=True)
class Attribution:
    conversation_id: int | None = None
    customer_id: int | None = None
    message_id: int | None = None
    bot_id: int | None = None
    intent: str | None = None
    intent_score: float | None = None
    first_touch: Touch | None = None
    last_touch: Touch | None = None

    def columns(self) -> dict[str, Any]:
        """The conversion's column values this attribution sets."""
        return {
            "conversation_id": self.conversation_id,
            "customer_id": self.customer_id,
            "message_id": self.message_id,
            "bot_id": self.bot_id,
            "intent": self.intent,
            "intent_score": self.intent_score,
            **touch_columns(self.first_touch, self.last_touch),
        }


async def for_link(
    session: AsyncSession, link: LinkTarget, *, at: datetime, window: timedelta
) -> Attribution:
    """Owed to the reply that offered the link; if that reply is gone, to the conversation's last one."""
    conversation = None
    if link.conversation_id is not None:
        conversation = await get_owned(session, Conversation, link.tenant_id, link.conversation_id)
    message_id = link.message_id
    if message_id is None and conversation is not None:
        turn = await _last_turn(session, conversation, at=at, window=window)
        message_id = turn.message_id if turn else None
    found = await _attributed(session, link.tenant_id, conversation, message_id)
    return replace(
        found,
        customer_id=link.customer_id or found.customer_id,
        bot_id=link.bot_id or found.bot_id,
    )


async def for_conversation(
    session: AsyncSession, conversation: Conversation, *, at: datetime, window: timedelta
) -> Attribution:
    turn = await _last_turn(session, conversation, at=at, window=window)
    return await _attributed(session, conversation.tenant_id, conversation, turn.message_id if turn else None)


async def for_customer(
    session: AsyncSession, customer: Customer, *, at: datetime, window: timedelta
) -> Attribution:
    """Owed to the bot's last reply to the customer in the window, in whichever of their conversations."""
    turn = await turns.last_bot_turn_of_customer(
        session,
        tenant_id=customer.tenant_id,
        customer_id=customer.id,
        routes=ATTRIBUTABLE_ROUTES,
        since=at - window,
        until=at,
    )
    if turn is not None:
        conversation = await get_owned(session, Conversation, customer.tenant_id, turn.conversation_id)
    else:
        conversation = await turns.latest_conversation_of_customer(
            session, tenant_id=customer.tenant_id, customer_id=customer.id
        )
    found = await _attributed(session, customer.tenant_id, conversation, turn.message_id if turn else None)
    return replace(found, customer_id=customer.id)


async def _last_turn(
    session: AsyncSession, conversation: Conversation, *, at: datetime, window: timedelta
) -> turns.BotTurn | None:
    return await turns.last_bot_turn_in_conversation(
        session,
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.id,
        routes=ATTRIBUTABLE_ROUTES,
        since=at - window,
        until=at,
    )


async def _attributed(
    session: AsyncSession, tenant_id: int, conversation: Conversation | None, message_id: int | None
) -> Attribution:
    if conversation is None:
        return Attribution(message_id=message_id)
    intent = turns.TurnIntent(None, None)
    if message_id is not None:
        intent = await turns.intent_answered_by(session, tenant_id=tenant_id, reply_id=message_id)
    first, last = touches_of(conversation)
    return Attribution(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        message_id=message_id,
        bot_id=conversation.bot_id,
        intent=intent.intent,
        intent_score=intent.intent_score,
        first_touch=first,
        last_touch=last,
    )
