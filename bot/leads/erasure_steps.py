"""Forgetting a customer, table by table: each step erases what one kind of row holds about them.

``bot.leads.forgetting`` runs the steps in order, in one transaction; the customer row is erased last,
because the steps find the customer's rows (and names, in group handoff summaries) through it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, false, null, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.leads.lead_rules import FIXED_REASONS
from storage.models import (
    AgentNote,
    ConversationEvent,
    Conversion,
    Customer,
    Feedback,
    Group,
    GroupMember,
    Handoff,
    InboundEvent,
    LeadActivity,
    LiveEvent,
    Message,
    MessagePart,
    OutboxItem,
    ToolCall,
    WebhookDelivery,
)

# A conversation's or a conversion's touches without what can single a person out (the ad, the
# campaign and the time stay for the reports).
UNTRACEABLE_TOUCHES: Mapping[str, None] = {
    f"{which}_touch_{part}": None for which in ("first", "last") for part in ("ctwa_clid", "ref")
}
# A query for the ids of the messages to erase (its type parameters differ between SQLAlchemy 2.0 and 2.1).
MessageIds = Select[Any]

ERASED = "[erased]"
FORGOTTEN_REASON = "the customer was forgotten"
ERASED_DIGEST = hashlib.sha256(ERASED.encode()).hexdigest()
# Handoff reasons these rules write name no one; the others (the assistant's, an agent's) are free text.
RULE_TRIGGERS = ("customer_request", "intent", "sentiment", "fallback", "llm_failure")
# Keys of live events and notification bodies that never hold personal data.
PLAIN_KEYS = frozenset(
    {
        *("from", "to", "actor", "role", "kind", "status", "trigger", "direction", "platform", "event", "at"),
        *("tenant", "occurred_at", "escalated_at", "handoff_trigger"),
    }
)


def scrubbed(value: Any, keep: frozenset[str] = frozenset()) -> Any:
    """``value`` with every text in it replaced by the marker (except under the keys in ``keep``)."""
    if isinstance(value, str):
        return ERASED
    if isinstance(value, Mapping):
        return {k: v if k in keep else scrubbed(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [scrubbed(v, keep) for v in value]
    return value


def without(value: Any, names: list[str]) -> Any:
    """``value`` with each of ``names`` replaced by the marker wherever it appears in a text."""
    if isinstance(value, str):
        for name in names:
            value = value.replace(name, ERASED)
        return value
    if isinstance(value, Mapping):
        return {k: without(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [without(v, names) for v in value]
    return value


def messages_about(tenant_id: int, customer_id: int, own_ids: list[int]) -> MessageIds:
    """The ids of the messages that are about the customer: all of their own conversations', those they
    wrote in groups, and the replies to those (a reply shares its inbound message's event)."""
    their_events = select(Message.inbound_event_id).where(
        Message.tenant_id == tenant_id,
        Message.customer_id == customer_id,
        Message.inbound_event_id.is_not(None),
    )
    in_own: ColumnElement[bool] = Message.conversation_id.in_(own_ids) if own_ids else false()
    return select(Message.id).where(
        Message.tenant_id == tenant_id,
        or_(
            in_own,
            Message.customer_id == customer_id,
            and_(Message.direction == "out", Message.inbound_event_id.in_(their_events)),
        ),
    )


def _count(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


async def erase_messages(session: AsyncSession, tenant_id: int, ids: list[int], now: datetime) -> None:
    if not ids:
        return
    in_scope = and_(Message.tenant_id == tenant_id, Message.id.in_(ids))
    # The rows are taken in the order a send that finishes meanwhile takes them (its outbox item, the
    # message's parts, then the message: storage/send_progress.py), so one waits for the other instead of
    # each holding what the other needs (a deadlock on PostgreSQL).
    # Replies waiting to go out to a forgotten customer are not sent.
    waiting = list(
        (
            await session.scalars(
                select(OutboxItem.message_id)
                .where(
                    OutboxItem.tenant_id == tenant_id,
                    OutboxItem.message_id.in_(ids),
                    OutboxItem.status == "pending",
                )
                .order_by(OutboxItem.id)
                .with_for_update()
            )
        ).all()
    )
    if waiting:
        await session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.tenant_id == tenant_id,
                OutboxItem.message_id.in_(waiting),
                OutboxItem.status == "pending",
            )
            .values(status="failed", last_error=FORGOTTEN_REASON, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    # A digest of a short text is as good as the text: echo matching needs it only while sending.
    await session.execute(
        update(MessagePart)
        .where(MessagePart.tenant_id == tenant_id, MessagePart.message_id.in_(ids))
        .values(text_digest=ERASED_DIGEST, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if waiting:
        await session.execute(
            update(Message)
            .where(in_scope, Message.id.in_(waiting))
            .values(status="failed", error=FORGOTTEN_REASON, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        update(Message)
        .where(in_scope, Message.text.is_not(None))
        .values(text=ERASED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    # What the customer sent besides text: attachments, location, referral details (the click id and the
    # ref can single a person out; the ad and campaign, which reports count, cannot), mentions.
    await session.execute(
        update(Message)
        .where(in_scope, Message.direction == "in")
        .values(payload=null(), ctwa_clid=null(), ref=null(), updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def erase_inbound_events(
    session: AsyncSession, customer: Customer, messages: MessageIds, now: datetime
) -> None:
    """The stored webhook records of the customer's messages, echoes and statuses (once handled)."""
    event_ids = select(Message.inbound_event_id).where(
        Message.tenant_id == customer.tenant_id,
        Message.id.in_(messages),
        Message.inbound_event_id.is_not(None),
    )
    events = await session.scalars(
        select(InboundEvent).where(
            InboundEvent.tenant_id == customer.tenant_id,
            InboundEvent.status.in_(("done", "failed")),
            or_(
                InboundEvent.id.in_(event_ids),
                and_(
                    InboundEvent.channel_id == customer.channel_id,
                    InboundEvent.conversation_key == customer.platform_user_id,
                ),
            ),
        )
    )
    for event in events.all():
        if event.conversation_key == customer.platform_user_id:
            event.conversation_key = f"erased:{customer.id}"
        event.platform_event_id = f"erased:{event.id}"
        # Still a readable record (an unhandled event), so `inbox retry` of a failed one simply ends it.
        event.payload = {
            "type": "unhandled",
            "platform": event.payload.get("platform", "console"),
            "event_id": event.platform_event_id,
            "conversation_key": event.conversation_key,
            "description": ERASED,
            "occurred_at": now.isoformat(),
        }


async def erase_tool_calls(
    session: AsyncSession, tenant_id: int, messages: MessageIds, own_ids: list[int]
) -> None:
    in_own: ColumnElement[bool] = ToolCall.conversation_id.in_(own_ids) if own_ids else false()
    calls = await session.scalars(
        select(ToolCall).where(
            ToolCall.tenant_id == tenant_id, or_(ToolCall.message_id.in_(messages), in_own)
        )
    )
    for call in calls.all():
        call.arguments = scrubbed(call.arguments)
        call.result = scrubbed(call.result)
        call.error = ERASED if call.error is not None else None


async def erase_conversation_texts(
    session: AsyncSession, tenant_id: int, own_ids: list[int], now: datetime
) -> None:
    """What was written about the customer's own conversations besides their messages."""
    statements = [
        update(Handoff)
        .where(
            Handoff.tenant_id == tenant_id, Handoff.conversation_id.in_(own_ids), Handoff.summary.is_not(None)
        )
        .values(summary=ERASED, updated_at=now),
        update(Handoff)
        .where(
            Handoff.tenant_id == tenant_id, Handoff.conversation_id.in_(own_ids), Handoff.notes.is_not(None)
        )
        .values(notes=ERASED, updated_at=now),
        update(Handoff)
        .where(
            Handoff.tenant_id == tenant_id,
            Handoff.conversation_id.in_(own_ids),
            Handoff.trigger.not_in(RULE_TRIGGERS),
        )
        .values(reason=ERASED, updated_at=now),
        update(AgentNote)
        .where(AgentNote.tenant_id == tenant_id, AgentNote.conversation_id.in_(own_ids))
        .values(text=ERASED, updated_at=now),
        update(Feedback)
        .where(
            Feedback.tenant_id == tenant_id,
            Feedback.conversation_id.in_(own_ids),
            Feedback.comment.is_not(None),
        )
        .values(comment=ERASED, updated_at=now),
        # The rules' and the system's reasons name no one; the assistant's and agents' may.
        update(ConversationEvent)
        .where(
            ConversationEvent.tenant_id == tenant_id,
            ConversationEvent.conversation_id.in_(own_ids),
            ConversationEvent.actor.in_(("bot", "agent")),
            ConversationEvent.reason.is_not(None),
        )
        .values(reason=ERASED, updated_at=now),
    ]
    for statement in statements:
        await session.execute(statement.execution_options(synchronize_session=False))


async def erase_shared_mentions(
    session: AsyncSession, customer: Customer, message_ids: list[int], own_ids: list[int]
) -> None:
    """What agents were told about the conversations the customer spoke in: the live events and
    notification bodies of their own conversations, and the live events of their messages in groups, lose
    every text; elsewhere in those groups (a handoff summary naming the member who set it off, say) their
    name and phone are taken out."""
    tenant_id = customer.tenant_id
    names = [value for value in (customer.name, customer.phone_e164) if value]
    spoke_in = select(Message.conversation_id).where(
        Message.tenant_id == tenant_id, Message.id.in_(message_ids)
    )
    own = set(own_ids)
    erased = set(message_ids)
    handoffs = await session.scalars(
        select(Handoff).where(
            Handoff.tenant_id == tenant_id,
            Handoff.conversation_id.in_(spoke_in),
            Handoff.conversation_id.not_in(own_ids),
            Handoff.summary.is_not(None),
        )
    )
    for handoff in handoffs.all():
        handoff.summary = without(handoff.summary, names)
    live = await session.scalars(
        select(LiveEvent).where(LiveEvent.tenant_id == tenant_id, LiveEvent.conversation_id.in_(spoke_in))
    )
    for event in live.all():
        if event.conversation_id in own or event.payload.get("message_id") in erased:
            event.payload = scrubbed(event.payload, PLAIN_KEYS)
        else:
            event.payload = without(event.payload, names)
    deliveries = await session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.conversation_id.in_(spoke_in)
        )
    )
    for delivery in deliveries.all():
        if delivery.conversation_id in own:
            delivery.body = scrubbed(delivery.body, PLAIN_KEYS)
        else:
            delivery.body = without(delivery.body, names)


async def leave_groups(session: AsyncSession, customer: Customer) -> int:
    channel_groups = select(Group.id).where(
        Group.tenant_id == customer.tenant_id, Group.channel_id == customer.channel_id
    )
    result = await session.execute(
        delete(GroupMember)
        .where(
            GroupMember.tenant_id == customer.tenant_id,
            or_(
                GroupMember.customer_id == customer.id,
                and_(
                    GroupMember.group_id.in_(channel_groups),
                    GroupMember.platform_user_id == customer.platform_user_id,
                ),
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return _count(result)


async def scrub_reasons_and_notes(
    session: AsyncSession, tenant_id: int, customer_id: int, now: datetime
) -> None:
    await session.execute(
        update(LeadActivity)
        .where(
            LeadActivity.tenant_id == tenant_id,
            LeadActivity.customer_id == customer_id,
            LeadActivity.reason.not_in(sorted(FIXED_REASONS)),
        )
        .values(reason=ERASED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Conversion)
        .where(
            Conversion.tenant_id == tenant_id,
            Conversion.customer_id == customer_id,
            Conversion.notes.is_not(None),
        )
        .values(notes=ERASED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Conversion)
        .where(Conversion.tenant_id == tenant_id, Conversion.customer_id == customer_id)
        .values(**UNTRACEABLE_TOUCHES, updated_at=now)
        .execution_options(synchronize_session=False)
    )
