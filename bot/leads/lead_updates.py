"""Every change to a customer's lead goes through here, and each writes its ``lead_activities`` row.

Four doors, each in the caller's transaction: ``apply_turn_signals`` (the pipeline, once per customer
message: its intent, the assistant's lead changes, returning and vip), ``record_link_click`` (the first
click on a tracked link), ``record_purchase`` (a purchase callback) and ``set_lead_by_agent`` (an agent,
a manual change). The rules themselves are in ``bot.leads.lead_rules``.

The customer row is re-read with a row lock (``FOR UPDATE`` on PostgreSQL; SQLite transactions are
already serial) before a change is computed, so a link click and a turn landing together both count.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.types import LeadChange
from bot.leads.lead_rules import (
    INTENT_SIGNALS,
    LLM_SCORE_REASON,
    MANUAL_REASON,
    MIN_INTENT_SCORE,
    RETURNING_REASON,
    SIGNALS,
    VIP_REASON,
    automatic_stage,
    automatic_type,
    checked,
    clamp_score,
    label_after,
)
from storage.models import Conversation, Customer, LeadActivity
from storage.models.customer_tables import CUSTOMER_TYPES, LEAD_LABELS, LEAD_STAGES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeadUpdate:
    """One change to a customer's lead, as its activity row records it."""

    field: str  # stage, score, label or type
    old: str | None
    new: str
    reason: str
    automated: bool = True
    agent_id: int | None = None


class _Recorder:
    """Changes one locked customer and writes an activity row for each change it makes."""

    def __init__(
        self, session: AsyncSession, customer: Customer, now: datetime, *, agent_id: int | None = None
    ) -> None:
        self.session = session
        self.customer = customer
        self.now = now
        self.agent_id = agent_id
        self.updates: list[LeadUpdate] = []

    def _record(self, field: str, old: str | None, new: str, reason: str) -> None:
        update = LeadUpdate(field, old, new, reason, self.agent_id is None, self.agent_id)
        self.updates.append(update)
        self.session.add(
            LeadActivity(
                tenant_id=self.customer.tenant_id,
                customer_id=self.customer.id,
                field=field,
                old_value=old,
                new_value=new,
                reason=reason,
                automated=update.automated,
                agent_id=self.agent_id,
                created_at=self.now,
                updated_at=self.now,
            )
        )

    def score(self, new_score: int, reason: str) -> None:
        customer = self.customer
        old, new = customer.lead_score, clamp_score(new_score)
        if new == old:
            return
        customer.lead_score = new
        self._record("score", str(old), str(new), reason)
        self.label(label_after(old, new, customer.lead_label), reason)

    def label(self, label: str, reason: str) -> None:
        if label != self.customer.lead_label:
            old, self.customer.lead_label = self.customer.lead_label, label
            self._record("label", old, label, reason)

    def stage(self, stage: str | None, reason: str) -> None:
        if stage is not None and stage != self.customer.lead_stage:
            old, self.customer.lead_stage = self.customer.lead_stage, stage
            self._record("stage", old, stage, reason)

    def customer_type(self, customer_type: str | None, reason: str) -> None:
        if customer_type is not None and customer_type != self.customer.customer_type:
            old, self.customer.customer_type = self.customer.customer_type, customer_type
            self._record("type", old, customer_type, reason)

    def signal(self, name: str) -> None:
        rule = SIGNALS[name]
        self.score(self.customer.lead_score + rule.points, rule.reason)
        target = automatic_stage(self.customer.lead_stage, rule.stage, purchase=name == "purchase")
        self.stage(target, rule.reason)

    def automatic_type(self, *, returning: bool) -> None:
        customer = self.customer
        wanted = automatic_type(customer.customer_type, score=customer.lead_score, returning=returning)
        self.customer_type(wanted, VIP_REASON if wanted == "vip" else RETURNING_REASON)


async def _lock(session: AsyncSession, tenant_id: int, customer_id: int) -> Customer | None:
    """The customer as committed now, locked until the transaction ends (pending changes flushed first)."""
    return await session.scalar(
        select(Customer)
        .where(Customer.tenant_id == tenant_id, Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _intent_signal(intent: str | None, intent_score: float | None) -> str | None:
    if intent in INTENT_SIGNALS and intent_score is not None and intent_score >= MIN_INTENT_SCORE:
        return intent
    return None


async def apply_turn_signals(
    session: AsyncSession,
    customer: Customer,
    *,
    conversation: Conversation,
    intent: str | None,
    intent_score: float | None,
    lead_changes: Sequence[LeadChange] = (),
    now: datetime,
) -> tuple[LeadUpdate, ...]:
    """What one customer message does to the lead: its intent's points and stage, the assistant's lead
    changes (stage moves only forward, like every automatic one), returning and vip.

    A customer is returning once they write in a conversation that started after they were first seen.
    """
    signal = _intent_signal(intent, intent_score)
    returning = customer.created_at < conversation.created_at
    if signal is None and not lead_changes and not (returning and customer.customer_type == "new"):
        return ()
    locked = await _lock(session, customer.tenant_id, customer.id)
    if locked is None or locked.erased_at is not None:
        return ()
    recorder = _Recorder(session, locked, now)
    if signal is not None:
        recorder.signal(signal)
    for change in lead_changes:
        if change.field == "stage":
            target = automatic_stage(locked.lead_stage, change.new_value)
            if target is None and change.new_value != locked.lead_stage:
                log.info(
                    "customer %s: the assistant's move from stage %s to %s is not forward; kept",
                    locked.id,
                    locked.lead_stage,
                    change.new_value,
                )
            recorder.stage(target, change.reason)
        else:
            recorder.score(int(change.new_value), change.reason or LLM_SCORE_REASON)
    recorder.automatic_type(returning=returning)
    return tuple(recorder.updates)


async def record_link_click(
    session: AsyncSession, tenant_id: int, customer_id: int, *, now: datetime
) -> tuple[LeadUpdate, ...]:
    """The customer opened a tracked link the bot gave them (its first click): points, stage convert."""
    return await _record_event(session, tenant_id, customer_id, "link_click", now)


async def record_purchase(
    session: AsyncSession, tenant_id: int, customer_id: int, *, now: datetime
) -> tuple[LeadUpdate, ...]:
    """The customer bought something: many points, stage qualified (even from unqualified or lost)."""
    return await _record_event(session, tenant_id, customer_id, "purchase", now)


async def _record_event(
    session: AsyncSession, tenant_id: int, customer_id: int, signal: str, now: datetime
) -> tuple[LeadUpdate, ...]:
    customer = await _lock(session, tenant_id, customer_id)
    if customer is None or customer.erased_at is not None:
        return ()
    recorder = _Recorder(session, customer, now)
    recorder.signal(signal)
    recorder.automatic_type(returning=False)
    return tuple(recorder.updates)


async def set_lead_by_agent(
    session: AsyncSession,
    customer: Customer,
    *,
    stage: str | None,
    label: str | None,
    agent_id: int,
    now: datetime,
    customer_type: str | None = None,
) -> tuple[LeadUpdate, ...]:
    """An agent sets the stage, the label and/or the customer type (any value, backwards too): manual
    activity rows with the agent's id. None leaves a field as it is; setting the current value writes
    nothing. Raises LeadValueError (nothing changed) for a value that does not exist."""
    checked(stage, LEAD_STAGES, "lead stage")
    checked(label, LEAD_LABELS, "lead label")
    checked(customer_type, CUSTOMER_TYPES, "customer type")
    locked = await _lock(session, customer.tenant_id, customer.id)
    if locked is None:
        return ()
    recorder = _Recorder(session, locked, now, agent_id=agent_id)
    recorder.stage(stage, MANUAL_REASON)
    if label is not None:
        recorder.label(label, MANUAL_REASON)
    recorder.customer_type(customer_type, MANUAL_REASON)
    return tuple(recorder.updates)
