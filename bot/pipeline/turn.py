"""One inbound event through the runtime: load the turn, run the engine, write everything in one transaction.

Loading only reads (bot/pipeline/context.py); no transaction is open while the engine runs, except the
LLM turn's admission, a short unit committed before the model is called that holds the turn's credits
(bot/pipeline/metering.py); then one unit of work marks the event done (guarded by its lease token),
finds or creates the customer, group and member, closes a conversation that went quiet and opens a new
one, and writes the inbound message, the replies, their outbox rows, the turn's effects (its credits
committed or released among them) and the counters. That unit goes through the runtime's group commit
(storage/group_commit.py): it shares a transaction and a commit with the other turns, webhook inserts
and send marks that are ready at the same moment, inside its own savepoint, so it is still all or
nothing on its own. A failure anywhere before its commit leaves nothing of the turn behind but the lease,
which expires so another attempt starts clean, and a credit hold, which that attempt releases.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Inbound, StatusUpdate, ThreadHandover, Unhandled
from adapters.inbound_records import item_from_record
from bot.billing.admission import AdmissionCheck
from bot.billing.turn_credits import Hold
from bot.conversions.touches import record_touch, touch_of
from bot.engine.types import Decision, Engine, IntentPort, LLMProvider, Ports
from bot.handoff.conversation_states import BOT, HUMAN_OWNED, SYSTEM, transition
from bot.handoff.inbox_app_events import thread_changed_hands
from bot.observability import log_context
from bot.observability.runtime_metrics import measured_turn, note_route, record_turn_credits
from bot.pipeline.config_cache import ChannelSnapshot, ConfigCache
from bot.pipeline.context import TurnContext, load_turn_context
from bot.pipeline.effects import persist_effects
from bot.pipeline.metering import TurnMeter
from bot.pipeline.platform_events import apply_status_update, record_echo
from storage import campaigns, conversations, groups, knowledge, live_events, outbox_queue
from storage import inbox_queue as queue
from storage.db import read_only
from storage.group_commit import GroupCommit
from storage.inbox_queue import ClaimedEvent
from storage.models import Conversation, Message, utcnow
from storage.sql import get_owned

log = logging.getLogger(__name__)

Hook = Callable[[ClaimedEvent], Awaitable[None]]


class TurnOver(Protocol):
    def turn_over(self) -> None: ...


TurnStart = Callable[[ClaimedEvent, Inbound, ChannelSnapshot], TurnOver | None]


async def no_hook(_event: ClaimedEvent) -> None:
    return None


def _no_turn_start(_event: ClaimedEvent, _inbound: Inbound, _channel: ChannelSnapshot) -> TurnOver | None:
    return None


SILENT = Decision(route="silent")


@dataclass(frozen=True)
class Persisted:
    conversation_id: int
    credits: int = 0
    # Notifications the turn queued (credit thresholds reached): the notifier is woken for them.
    notifications: int = 0


class TurnProcessor:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        engine: Engine,
        config_cache: ConfigCache,
        *,
        commits: GroupCommit | None = None,
        reads: async_sessionmaker[AsyncSession] | None = None,
        on_replies: Callable[[], None] = lambda: None,
        on_turn_start: TurnStart = _no_turn_start,
        before_commit: Hook = no_hook,
        llm: LLMProvider | None = None,
        intents: IntentPort | None = None,
        admission_checks: Sequence[AdmissionCheck] = (),
        default_model: str | None = None,
        on_notifications: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        # The turns' writes share commits with each other and with the webhooks' inserts.
        self._commits = commits or GroupCommit(sessions)
        self._reads = reads or sessions
        self._engine = engine
        self._config = config_cache
        self._on_replies = on_replies
        self._llm = llm
        self._intents = intents
        # Asked before every LLM call, then the turn's credits are held (bot/pipeline/metering.py).
        self._admission_checks = tuple(admission_checks)
        self._default_model = default_model
        self._on_notifications = on_notifications
        # Mark seen / typing indicator while the engine thinks (best effort, fire and forget).
        self._on_turn_start = on_turn_start
        # Tests use this to stop an attempt between the engine and the commit, as a crash would.
        self._before_commit = before_commit

    @measured_turn
    async def process(self, event: ClaimedEvent) -> None:
        item = item_from_record(event.payload)
        if isinstance(item, Inbound) and not item.is_echo:
            await self._answer(event, item)
            return
        await self._commits.run(lambda session: self._record(session, event, item))

    async def _record(self, session: AsyncSession, event: ClaimedEvent, item: object) -> None:
        """An event that asks for no answer: a delivery status, an echo, a thread handover."""
        now = utcnow()
        await queue.complete_event(session, event, now)
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
        elif isinstance(item, ThreadHandover):
            await thread_changed_hands(
                session, tenant_id=event.tenant_id, channel_id=event.channel_id, handover=item, now=now
            )
        elif isinstance(item, Unhandled):
            log.debug("stored unhandled %s event %s", item.platform, item.description)

    async def _answer(self, event: ClaimedEvent, inbound: Inbound) -> None:
        async with read_only(self._reads) as session:
            context = await load_turn_context(
                session, event=event, inbound=inbound, config_cache=self._config, now=utcnow()
            )
        log_context.bind(conversation_id=context.conversation_id if context else None)
        if context is None:
            # The same message arrived under another event id (a platform resend): answered already.
            await self._commits.run(lambda session: queue.complete_event(session, event, utcnow()))
            return
        acknowledgement = None
        meter = None
        if context.silent:
            decision = SILENT
        else:
            if context.turn.conversation.status not in HUMAN_OWNED:
                # No read receipt or typing dots while a person owns the conversation.
                acknowledgement = self._on_turn_start(event, inbound, context.channel)
            if self._llm is not None or self._intents is not None:
                # Every model call of the turn (answer, briefing, intent reading) is metered.
                meter = TurnMeter(
                    self._commits, event, checks=self._admission_checks, default_model=self._default_model
                )
            ports = Ports(knowledge=context.knowledge, llm=self._llm, intents=self._intents, admission=meter)
            try:
                decision = await self._engine.decide(context.turn, ports)
            finally:
                if acknowledgement is not None:
                    acknowledgement.turn_over()  # answered (or failed): no typing dots from here on
        note_route(decision.route)
        await self._before_commit(event)
        hold = meter.hold if meter is not None else None
        persisted = await self._commits.run(
            lambda session: self._persist(session, event, inbound, context, decision, hold, utcnow())
        )
        # A new conversation has its id from here on (the unit ran in the group commit's task, whose
        # log context is not this one).
        log_context.bind(conversation_id=persisted.conversation_id)
        if decision.replies:
            self._on_replies()
        record_turn_credits(persisted.credits, decision.llm_denied)
        if persisted.notifications:
            self._on_notifications()

    async def _persist(
        self,
        session: AsyncSession,
        event: ClaimedEvent,
        inbound: Inbound,
        context: TurnContext,
        decision: Decision,
        hold: Hold | None,
        now: datetime,
    ) -> Persisted:
        """Everything the turn produced, in the turn's one transaction, with the event's done mark.

        Returns the id of the conversation the message went to.
        """
        tenant_id, channel_id = event.tenant_id, event.channel_id
        await queue.complete_event(session, event, now)
        if context.expired_conversation_id is not None:
            expired = await get_owned(session, Conversation, tenant_id, context.expired_conversation_id)
            if expired is not None and expired.status != "closed":
                await transition(session, expired, "closed", actor=SYSTEM, now=now, reason="inactivity")
        customer = await conversations.get_or_create_customer(
            session,
            tenant_id=tenant_id,
            channel_id=channel_id,
            platform_user_id=inbound.sender_id,
            name=inbound.sender_name,
            phone_e164=inbound.phone,
            now=now,
        )
        group = member = None
        if inbound.group_id:
            group = await groups.get_or_create_group(
                session,
                tenant_id=tenant_id,
                channel_id=channel_id,
                platform_group_id=inbound.group_id,
                now=now,
            )
            member = await groups.get_or_create_member(
                session,
                tenant_id=tenant_id,
                group_id=group.id,
                customer_id=customer.id,
                platform_user_id=inbound.sender_id,
                username=inbound.sender_name,
                now=now,
            )
        conversation = None
        if context.conversation_id is not None:
            conversation = await get_owned(session, Conversation, tenant_id, context.conversation_id)
        if conversation is not None and conversation.status == "resolved" and decision.handoff_trigger:
            # An agent resolved it; asking for a person again starts a new conversation for the queue.
            await transition(session, conversation, "closed", actor=SYSTEM, now=now, reason="new handoff")
        if conversation is None or conversation.status == "closed":
            conversation = await conversations.start_conversation(
                session,
                tenant_id=tenant_id,
                channel_id=channel_id,
                bot_id=context.bot_id,
                customer_id=None if group else customer.id,
                group_id=group.id if group else None,
                conversation_key=event.conversation_key,
                now=now,
            )
        campaign_id = None
        referral = inbound.referral
        if referral is not None and referral.ad_id:
            campaign_id = await campaigns.upsert_campaign(
                session,
                tenant_id=tenant_id,
                ad_id=referral.ad_id,
                name=referral.headline,
                source_type=referral.source_type,
                now=now,
            )
        reading = decision.intent_reading
        inbound_message = Message(
            tenant_id=tenant_id,
            conversation_id=conversation.id,
            channel_id=channel_id,
            inbound_event_id=event.id,
            customer_id=customer.id,
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
            ctwa_clid=referral.ctwa_clid if referral else None,
            ref=referral.ref if referral else None,
            campaign_id=campaign_id,
            route=decision.route,
            intent=decision.intent,
            intent_score=decision.intent_score,
            sentiment=decision.sentiment,
            sentiment_score=decision.sentiment_score,
            # The tokens the model's reading of its intent used, when a model read it.
            prompt_tokens=reading.prompt_tokens if reading is not None else 0,
            completion_tokens=reading.completion_tokens if reading is not None else 0,
            created_at=min(inbound.sent_at, now),
        )
        if referral is not None:
            record_touch(conversation, touch_of(inbound_message))
        replies = [
            Message(
                tenant_id=tenant_id,
                conversation_id=conversation.id,
                channel_id=channel_id,
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
            for position, reply in enumerate(decision.replies)
        ]
        session.add_all([inbound_message, *replies])
        await session.flush()
        await outbox_queue.enqueue(session, replies, now)
        charge = await persist_effects(
            session,
            tenant_id=tenant_id,
            conversation=conversation,
            customer=customer,
            bot_id=context.bot_id,
            decision=decision,
            reply_message_id=replies[0].id if replies else None,
            inbound_message_id=inbound_message.id,
            hold=hold,
            default_model=self._default_model,
            now=now,
        )
        conversation.message_count += 1 + len(decision.replies)
        conversation.last_inbound_at = now
        conversation.last_activity_at = now
        if decision.route != "silent":
            conversation.consecutive_fallbacks = decision.consecutive_fallbacks
        if decision.intent is not None:
            conversation.consecutive_negative = decision.consecutive_negative
        if decision.replies and conversation.status == "new":  # (a handoff above already moved it on)
            await transition(session, conversation, "bot_active", actor=BOT, now=now)
        if conversation.status in HUMAN_OWNED:
            # Agents' consoles follow the conversation: the customer's message, and the handoff replies.
            for message in (inbound_message, *replies):
                await live_events.publish(
                    session,
                    tenant_id=tenant_id,
                    kind="message",
                    conversation_id=conversation.id,
                    payload={"message_id": message.id, "role": message.role, "text": message.text},
                    now=now,
                )
        if group is not None and member is not None:
            group.message_count += 1
            member.message_count += 1
            member.engagement_score = groups.engagement_after_message(
                member.engagement_score, member.last_message_at, now
            )
            member.last_message_at = now
        await knowledge.count_usage(
            session,
            tenant_id=tenant_id,
            knowledge_ids=decision.knowledge_entry_ids,
            template_id=decision.template_id,
            command_id=decision.command_id,
        )
        return Persisted(conversation.id, charge.credits, charge.notifications)


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
