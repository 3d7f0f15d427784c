"""One inbound event through the runtime: load the turn, run the engine, write everything in one transaction.

Reads happen first (customer, group and conversation are found or created idempotently, so a retried
event finds the same ones); no transaction is open while the engine runs; then one transaction marks
the event done (guarded by its lease token) and writes the inbound message, the replies, their outbox
rows and the counters. A crash anywhere before that commit leaves nothing of the turn behind but the
lease, which expires so another attempt starts clean.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Inbound, StatusUpdate, Unhandled
from adapters.inbound_records import item_from_record
from bot.engine.types import Decision, Engine, IntentPort, LLMProvider, Ports
from bot.handoff.conversation_states import check_transition
from bot.pipeline.context import TurnContext, load_turn_context
from bot.pipeline.effects import persist_effects
from bot.pipeline.knowledge_cache import KnowledgeService
from bot.pipeline.platform_events import apply_status_update, record_echo
from storage import campaigns, conversations, groups, knowledge
from storage import inbox_queue as queue
from storage import outbox_queue as outbox_queue
from storage.db import transaction
from storage.inbox_queue import ClaimedEvent
from storage.models import Conversation, Group, GroupMember, Message, utcnow

log = logging.getLogger(__name__)

Hook = Callable[[ClaimedEvent], Awaitable[None]]
TurnStart = Callable[[ClaimedEvent, Inbound], None]


async def no_hook(_event: ClaimedEvent) -> None:
    return None


def _no_turn_start(_event: ClaimedEvent, _inbound: Inbound) -> None:
    return None


SILENT = Decision(route="silent")


class TurnProcessor:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        engine: Engine,
        knowledge_service: KnowledgeService,
        *,
        on_replies: Callable[[], None] = lambda: None,
        on_turn_start: TurnStart = _no_turn_start,
        before_commit: Hook = no_hook,
        llm: LLMProvider | None = None,
        intents: IntentPort | None = None,
    ) -> None:
        self._sessions = sessions
        self._engine = engine
        self._knowledge = knowledge_service
        self._on_replies = on_replies
        self._llm = llm
        self._intents = intents
        # Mark seen / typing indicator while the engine thinks (best effort, fire and forget).
        self._on_turn_start = on_turn_start
        # Tests use this to stop an attempt between the engine and the commit, as a crash would.
        self._before_commit = before_commit

    async def process(self, event: ClaimedEvent) -> None:
        item = item_from_record(event.payload)
        if isinstance(item, Inbound) and not item.is_echo:
            await self._answer(event, item)
            return
        now = utcnow()
        async with transaction(self._sessions) as session:
            await queue.complete_event(session, event.id, event.lock_token, now)
            if isinstance(item, StatusUpdate):
                await apply_status_update(
                    session, tenant_id=event.tenant_id, channel_id=event.channel_id, update=item, now=now
                )
            elif isinstance(item, Inbound):
                await record_echo(
                    session,
                    tenant_id=event.tenant_id,
                    channel_id=event.channel_id,
                    echo=item,
                    inbound_event_id=event.id,
                    now=now,
                )
            elif isinstance(item, Unhandled):
                log.debug("stored unhandled %s event %s", item.platform, item.description)

    async def _answer(self, event: ClaimedEvent, inbound: Inbound) -> None:
        now = utcnow()
        async with transaction(self._sessions) as session:
            if inbound.platform_message_id and await conversations.message_exists(
                session, channel_id=event.channel_id, platform_message_id=inbound.platform_message_id
            ):
                # The same message arrived under another event id (a platform resend): answered already.
                await queue.complete_event(session, event.id, event.lock_token, now)
                return
            context = await load_turn_context(
                session,
                tenant_id=event.tenant_id,
                channel_id=event.channel_id,
                conversation_key=event.conversation_key,
                inbound=inbound,
                now=now,
            )
        if context.silent:
            decision = SILENT
        else:
            self._on_turn_start(event, inbound)
            knowledge = await self._knowledge.for_tenant(event.tenant_id)
            ports = Ports(knowledge=knowledge, llm=self._llm, intents=self._intents)
            decision = await self._engine.decide(context.turn, ports)
        await self._before_commit(event)
        await self._persist(event, inbound, context, decision)
        if decision.replies:
            self._on_replies()

    async def _persist(
        self, event: ClaimedEvent, inbound: Inbound, context: TurnContext, decision: Decision
    ) -> None:
        now = utcnow()
        async with transaction(self._sessions) as session:
            await queue.complete_event(session, event.id, event.lock_token, now)
            conversation = await session.get(Conversation, context.conversation.id)
            assert conversation is not None
            campaign_id = None
            referral = inbound.referral
            if referral is not None and referral.ad_id:
                campaign_id = await campaigns.upsert_campaign(
                    session,
                    tenant_id=event.tenant_id,
                    ad_id=referral.ad_id,
                    name=referral.headline,
                    source_type=referral.source_type,
                    now=now,
                )
            inbound_message = Message(
                tenant_id=event.tenant_id,
                conversation_id=conversation.id,
                channel_id=event.channel_id,
                inbound_event_id=event.id,
                customer_id=context.customer.id,
                role="user",
                direction="in",
                status="received",
                type=inbound.kind,
                text=inbound.text,
                payload=_inbound_payload(inbound),
                platform_message_id=inbound.platform_message_id,
                source=referral.source if referral else "direct",
                ad_id=referral.ad_id if referral else None,
                post_id=referral.post_id if referral else None,
                campaign_id=campaign_id,
                route=decision.route,
                intent=decision.intent,
                intent_score=decision.intent_score,
                sentiment=decision.sentiment,
                sentiment_score=decision.sentiment_score,
                created_at=min(inbound.sent_at, now),
            )
            session.add(inbound_message)
            await session.flush()
            reply_ids: list[int] = []
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
                reply_ids.append(message.id)
                outbox_queue.enqueue(session, message, now)
            await persist_effects(
                session,
                tenant_id=event.tenant_id,
                conversation=conversation,
                customer_id=context.customer.id,
                bot_id=context.turn.bot.bot_id,
                decision=decision,
                reply_message_id=reply_ids[0] if reply_ids else None,
                inbound_message_id=inbound_message.id,
                now=now,
            )
            conversation.message_count += 1 + len(decision.replies)
            conversation.last_inbound_at = now
            conversation.last_activity_at = now
            if decision.route != "silent":
                conversation.consecutive_fallbacks = decision.consecutive_fallbacks
            if decision.replies and conversation.status == "new":  # (a handoff above already moved it on)
                conversation.status = check_transition(conversation.status, "bot_active")
            if context.group is not None and context.member is not None:
                await _count_group_message(session, context.group.id, context.member.id, now)
            await knowledge.count_usage(
                session,
                tenant_id=event.tenant_id,
                knowledge_ids=decision.knowledge_entry_ids,
                template_id=decision.template_id,
                command_id=decision.command_id,
            )


async def _count_group_message(session: AsyncSession, group_id: int, member_id: int, now: datetime) -> None:
    group = await session.get(Group, group_id)
    member = await session.get(GroupMember, member_id)
    if group is None or member is None:
        return
    group.message_count += 1
    member.message_count += 1
    member.engagement_score = groups.engagement_after_message(
        member.engagement_score, member.last_message_at, now
    )
    member.last_message_at = now


def _inbound_payload(inbound: Inbound) -> dict[str, object] | None:
    """What of the inbound message does not fit a column: payloads, attachments, location, referral."""
    payload: dict[str, object] = {}
    if inbound.payload:
        payload["payload"] = inbound.payload
    if inbound.reply_to:
        payload["reply_to"] = inbound.reply_to
    if inbound.attachments:
        payload["attachments"] = [
            {k: v for k, v in vars(a).items() if v is not None} for a in inbound.attachments
        ]
    if inbound.location:
        payload["location"] = {k: v for k, v in vars(inbound.location).items() if v is not None}
    if inbound.referral:
        payload["referral"] = {k: v for k, v in vars(inbound.referral).items() if v}
    if inbound.mentions:
        payload["mentions"] = list(inbound.mentions)
    if inbound.standby:
        payload["standby"] = True
    return payload or None
