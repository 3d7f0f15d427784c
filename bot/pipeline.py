"""One inbound event through the runtime: load the turn, run the engine, write everything in one transaction.

Reads happen first (customer and conversation are found or created idempotently, so a retried event
finds the same ones); no transaction is open while the engine runs; then one transaction marks the event
done (guarded by its lease token) and writes the inbound message, the replies, their outbox rows and the
counters. A crash anywhere before that commit leaves nothing of the turn behind but the lease, which
expires so another attempt starts clean.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Inbound, StatusUpdate, item_from_record
from bot.conversation_state import check_transition
from bot.engine.turn import (
    BotSettings,
    CommandInfo,
    ConversationState,
    CustomerInfo,
    Decision,
    Engine,
    HistoryItem,
    InboundText,
    Ports,
    TemplateInfo,
    Turn,
)
from bot.inbox import utcnow
from bot.knowledge import KnowledgeService
from storage import channels, conversations, knowledge, tenants
from storage import inbox as queue
from storage import outbox as outbox_queue
from storage.db import transaction
from storage.inbox import ClaimedEvent
from storage.models import Conversation, Message

log = logging.getLogger(__name__)

HISTORY_LIMIT = 20

Hook = Callable[[ClaimedEvent], Awaitable[None]]


async def no_hook(_event: ClaimedEvent) -> None:
    return None


class TurnProcessor:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        engine: Engine,
        knowledge_service: KnowledgeService,
        *,
        on_replies: Callable[[], None] = lambda: None,
        before_commit: Hook = no_hook,
    ) -> None:
        self._sessions = sessions
        self._engine = engine
        self._knowledge = knowledge_service
        self._on_replies = on_replies
        # Tests use this to stop an attempt between the engine and the commit, as a crash would.
        self._before_commit = before_commit

    async def process(self, event: ClaimedEvent) -> None:
        item = item_from_record(event.payload)
        if isinstance(item, StatusUpdate):
            await self._apply_status(event, item)
            return
        await self._answer(event, item)

    async def _apply_status(self, event: ClaimedEvent, status: StatusUpdate) -> None:
        now = utcnow()
        async with transaction(self._sessions) as session:
            await queue.complete_event(session, event.id, event.lock_token, now)
            changed = await conversations.set_message_status(
                session,
                tenant_id=event.tenant_id,
                channel_id=event.channel_id,
                platform_message_id=status.platform_message_id,
                status=status.status,
                now=now,
            )
        if not changed:
            log.info("status %s for unknown message on channel %s", status.status, event.channel_id)

    async def _answer(self, event: ClaimedEvent, inbound: Inbound) -> None:
        turn = await self._load_turn(event, inbound)
        if turn is None:
            return
        ports = Ports(knowledge=await self._knowledge.for_tenant(event.tenant_id))
        decision = await self._engine.decide(turn, ports)
        await self._before_commit(event)
        await self._persist(event, inbound, turn, decision)
        if decision.replies:
            self._on_replies()

    async def _load_turn(self, event: ClaimedEvent, inbound: Inbound) -> Turn | None:
        now = utcnow()
        async with transaction(self._sessions) as session:
            tenant = await tenants.get_tenant(session, event.tenant_id)
            channel = await channels.get_channel(session, event.tenant_id, event.channel_id)
            if tenant is None or channel is None:
                raise LookupError(f"channel {event.channel_id} of tenant {event.tenant_id} no longer exists")
            bot = await channels.get_bot(session, tenant.id, channel.bot_id)
            if bot is None:
                raise LookupError(f"bot {channel.bot_id} of channel {channel.id} no longer exists")
            if inbound.platform_message_id and await conversations.message_exists(
                session, channel_id=channel.id, platform_message_id=inbound.platform_message_id
            ):
                # The same message arrived under another event id (a platform resend): answered already.
                await queue.complete_event(session, event.id, event.lock_token, now)
                return None
            customer = await conversations.get_or_create_customer(
                session,
                tenant_id=tenant.id,
                channel_id=channel.id,
                platform_user_id=inbound.sender_id,
                name=inbound.sender_name,
                now=now,
            )
            conversation = await conversations.open_conversation(
                session,
                tenant_id=tenant.id,
                channel_id=channel.id,
                bot_id=bot.id,
                customer_id=customer.id,
                group_id=None,
                conversation_key=event.conversation_key,
                inactivity_timeout=timedelta(minutes=tenant.inactivity_timeout_minutes),
                now=now,
            )
            history = await conversations.recent_messages(
                session, tenant_id=tenant.id, conversation_id=conversation.id, limit=HISTORY_LIMIT
            )
            templates = await knowledge.active_templates(session, tenant.id)
            commands = await knowledge.active_commands(session, tenant.id, group_id=None)
            return Turn(
                tenant_id=tenant.id,
                tenant_name=tenant.name,
                bot=BotSettings(
                    bot_id=bot.id,
                    name=bot.name,
                    persona=bot.persona,
                    knowledge_threshold=bot.knowledge_threshold,
                    handoff_after_fallbacks=bot.handoff_after_fallbacks,
                    fallback_text=bot.fallback_text,
                ),
                conversation=ConversationState(
                    conversation_id=conversation.id,
                    status=conversation.status,
                    consecutive_fallbacks=conversation.consecutive_fallbacks,
                ),
                customer=CustomerInfo(
                    customer_id=customer.id,
                    first_name=customer.first_name,
                    full_name=customer.name,
                    phone=customer.phone_e164,
                ),
                inbound=InboundText(text=inbound.text, kind=inbound.kind, payload=inbound.payload),
                history=tuple(
                    HistoryItem(role=m.role, text=m.text)  # type: ignore[arg-type]
                    for m in history
                    if m.text
                ),
                templates=tuple(
                    TemplateInfo(t.id, t.name, tuple(str(k) for k in t.trigger_keywords), t.body)
                    for t in templates
                ),
                commands=tuple(CommandInfo(c.id, c.command, c.response) for c in commands),
            )

    async def _persist(self, event: ClaimedEvent, inbound: Inbound, turn: Turn, decision: Decision) -> None:
        now = utcnow()
        async with transaction(self._sessions) as session:
            await queue.complete_event(session, event.id, event.lock_token, now)
            conversation = await session.get(Conversation, turn.conversation.conversation_id)
            assert conversation is not None
            session.add(
                Message(
                    tenant_id=event.tenant_id,
                    conversation_id=conversation.id,
                    channel_id=event.channel_id,
                    inbound_event_id=event.id,
                    role="user",
                    direction="in",
                    status="received",
                    type=inbound.kind,
                    text=inbound.text,
                    payload={"payload": inbound.payload} if inbound.payload else None,
                    platform_message_id=inbound.platform_message_id,
                    route=decision.route,
                    intent=decision.intent,
                    intent_score=decision.intent_score,
                    sentiment=decision.sentiment,
                    sentiment_score=decision.sentiment_score,
                    created_at=inbound.sent_at if inbound.sent_at < now else now,
                )
            )
            for position, reply in enumerate(decision.replies):
                message = Message(
                    tenant_id=event.tenant_id,
                    conversation_id=conversation.id,
                    channel_id=event.channel_id,
                    inbound_event_id=event.id,
                    role="assistant",
                    direction="out",
                    status="pending",
                    type="text",
                    text=reply.text,
                    payload={"choices": list(reply.choices)} if reply.choices else None,
                    route=decision.route,
                    # Tokens and latency belong to the turn; they are recorded once, on its first reply.
                    prompt_tokens=decision.prompt_tokens if position == 0 else 0,
                    completion_tokens=decision.completion_tokens if position == 0 else 0,
                    latency_ms=decision.latency_ms if position == 0 else None,
                )
                session.add(message)
                await session.flush()
                outbox_queue.enqueue(session, message, now)
            conversation.message_count += 1 + len(decision.replies)
            conversation.last_inbound_at = now
            conversation.last_activity_at = now
            conversation.consecutive_fallbacks = decision.consecutive_fallbacks
            if decision.replies and conversation.status == "new":
                conversation.status = check_transition(conversation.status, "bot_active")
            await knowledge.count_usage(
                session,
                tenant_id=event.tenant_id,
                knowledge_ids=decision.knowledge_entry_ids,
                template_id=decision.template_id,
                command_id=decision.command_id,
            )
