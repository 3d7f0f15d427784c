"""An LLM turn's credits: reserved before the model is called, committed or released with the turn.

The life of a hold, keyed by the turn's inbound event and its claim's lock token:

- **reserve** (before the call, in a short unit of its own: bot/billing/admission.py): first any hold an
  earlier attempt of the same event left is released (that attempt is over: this one holds the event's
  lease), then ``reserved`` grows by the turn's estimate in one conditional UPDATE (``balance -
  reserved >= credits``). A period that ended is rolled first (bot/billing/credit_periods.py) and an
  overage block added where the plan allows one (bot/billing/overage.py); if the credits are still not
  there the turn takes the out-of-credits path. Ledger row ``reserve`` (reserved +n), key
  ``event:<id>:<token>:reserve``, and a ``credit_holds`` row.
- **commit** (in the turn's one persist transaction, with its event's done mark): the hold is deleted
  and the account charged the turn's real cost (bot/billing/prices.py). A cost above the hold is charged
  only from credits still free, never below zero; a turn charged less than it cost says so in its ledger
  row. Ledger row ``commit`` (balance -cost, reserved -hold), key ``event:<id>:commit``: one per event,
  ever, so a retried turn is never charged twice.
- **release** (same transaction, when the model failed and the turn costs nothing; or later, for a hold
  whose attempt died, by the next attempt or ``release_abandoned_holds``). Ledger row ``release``
  (reserved -hold), key ``event:<id>:<token>:release``.

Deleting the ``credit_holds`` row is what entitles a writer to settle a hold, so each is settled once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.credit_alerts import notice_thresholds
from bot.billing.credit_periods import roll_if_due
from bot.billing.overage import add_overage_block
from bot.billing.prices import cost_usd, credits_for
from bot.engine.types import Decision
from storage import credit_holds, credits
from storage.credit_holds import TakenHold
from storage.models import UsageLog

OUT_OF_CREDITS = "out_of_credits"
# The usage type of a rule's handoff whose agent's briefing the model was asked for.
HANDOFF_SUMMARY = "handoff_summary"
# The usage type of the model's reading of a message's intent (the optional LLM intent scorer).
INTENT_READING = "intent_reading"
# A reservation may roll the period, then add an overage block, and try again after each.
_RESERVE_TRIES = 3
SWEEP_BATCH = 200


@dataclass(frozen=True)
class Hold:
    """Credits an attempt of an LLM turn holds until its persist step settles them."""

    tenant_id: int
    inbound_event_id: int
    lock_token: str
    credits: int


@dataclass(frozen=True)
class TurnCharge:
    """What the persist step did with the turn's credits."""

    credits: int = 0
    cost_usd: Decimal = Decimal("0")
    notifications: int = 0


async def reserve(
    session: AsyncSession,
    *,
    tenant_id: int,
    inbound_event_id: int,
    lock_token: str,
    credits_needed: int,
    now: datetime,
) -> Hold | None:
    """Hold ``credits_needed`` for this attempt of the event's turn; None when the tenant has them not."""
    for left in await credit_holds.take_event_holds(session, tenant_id, inbound_event_id):
        await release_taken(session, left, now)
    after = None
    for _ in range(_RESERVE_TRIES):
        after = await credits.hold(session, tenant_id, credits_needed, now)
        if after is not None:
            break
        if await roll_if_due(session, tenant_id, now):
            continue
        if not await add_overage_block(session, tenant_id, credits_needed, now):
            return None
    if after is None:
        return None
    reserve_id = await credits.append(
        session,
        tenant_id=tenant_id,
        after=after,
        kind="reserve",
        reserved_delta=credits_needed,
        key=f"event:{inbound_event_id}:{lock_token}:reserve",
        inbound_event_id=inbound_event_id,
        now=now,
    )
    await credit_holds.add_hold(
        session,
        tenant_id=tenant_id,
        inbound_event_id=inbound_event_id,
        lock_token=lock_token,
        credits=credits_needed,
        reserve_id=reserve_id,
        now=now,
    )
    return Hold(tenant_id, inbound_event_id, lock_token, credits_needed)


async def settle(
    session: AsyncSession, hold: Hold, *, charge: int, message_id: int | None, note: str, now: datetime
) -> tuple[int, int]:
    """Commit ``charge`` credits of the hold (0: release it); returns (credits charged, notifications)."""
    taken = await credit_holds.take_hold(session, hold.tenant_id, hold.inbound_event_id, hold.lock_token)
    held = taken.credits if taken is not None else 0
    if charge <= 0:
        if taken is not None:
            await release_taken(session, taken, now)
        return 0, 0
    if charge <= held:
        after = await credits.settle(session, hold.tenant_id, held=held, charged=charge, now=now)
        charged = charge
    else:
        # Dearer than its hold: the rest only from credits still free (the row is locked from here on).
        after = await credits.settle(session, hold.tenant_id, held=held, charged=0, now=now)
        charged = min(charge, after.available) if after is not None else 0
        if after is not None and charged:
            after = await credits.settle(session, hold.tenant_id, held=0, charged=charged, now=now)
        if charged < charge:
            note += f"; {charge - charged} more credits were due but not available"
    if after is None:
        return 0, 0  # no account: nothing to charge
    await credits.append(
        session,
        tenant_id=hold.tenant_id,
        after=after,
        kind="commit",
        delta=-charged,
        reserved_delta=-held,
        key=f"event:{hold.inbound_event_id}:commit",
        inbound_event_id=hold.inbound_event_id,
        message_id=message_id,
        description=note,
        now=now,
    )
    notified = await notice_thresholds(session, hold.tenant_id, after=after, charged=charged, now=now)
    return charged, notified


async def release_taken(session: AsyncSession, taken: TakenHold, now: datetime) -> None:
    """Give back a hold this transaction removed from ``credit_holds``."""
    after = await credits.settle(session, taken.tenant_id, held=taken.credits, charged=0, now=now)
    if after is None:
        return
    event = taken.inbound_event_id
    key = (
        f"event:{event}:{taken.lock_token}:release"
        if event is not None
        else f"hold:{taken.reserve_id}:release"
    )
    await credits.append(
        session,
        tenant_id=taken.tenant_id,
        after=after,
        kind="release",
        reserved_delta=-taken.credits,
        key=key,
        inbound_event_id=event,
        now=now,
    )


async def release_abandoned_holds(session: AsyncSession, now: datetime, *, limit: int = SWEEP_BATCH) -> int:
    """Release holds whose attempt ended without settling them (every tenant's); returns how many."""
    released = 0
    for candidate in await credit_holds.abandoned_holds(session, limit=limit):
        taken = await credit_holds.take_hold_by_id(session, candidate.tenant_id, candidate.id)
        if taken is not None:  # else settled meanwhile by its event's next attempt
            await release_taken(session, taken, now)
            released += 1
    return released


async def record_llm_usage(
    session: AsyncSession,
    *,
    tenant_id: int,
    conversation_id: int,
    message_id: int,
    inbound_message_id: int,
    decision: Decision,
    hold: Hold | None,
    default_model: str | None,
    now: datetime,
) -> TurnCharge:
    """The usage rows of a turn that called the model or was refused it, and its credits settled once.

    The model call is the turn's answer (usage type ``llm``) or, on a rule's handoff, the agent's
    briefing (``handoff_summary``): the same reserve and settle, the same price rule. The model's reading
    of the message's intent (the optional LLM intent scorer) has a row of its own (``intent_reading``,
    on the inbound message) but no charge of its own: its cost joins the turn's before the credits are
    worked out, so the turn pays ``max(1, ceil(cost of all its calls / 0.01))`` once, and a turn whose
    only model call was the reading pays for the reading by that same rule.
    """
    denied = decision.llm_denied
    briefed = decision.handoff_briefing is not None
    called = decision.route == "llm" or decision.llm_failed or briefed
    model = decision.model or default_model
    cost = cost_usd(model, decision.prompt_tokens, decision.completion_tokens) if called else Decimal("0")
    # A turn whose model failed sent the fallback reply (or its agent got the stored facts instead of
    # the briefing): it costs the tenant nothing. What the API reported for it is still logged with its
    # cost in USD, which the operator pays. A failed reading likewise: the local scorer read the message.
    answered = called and not (decision.llm_failed or decision.handoff_briefing == "failed")
    reading = decision.intent_reading
    reading_cost = (
        cost_usd(reading.model, reading.prompt_tokens, reading.completion_tokens)
        if reading is not None
        else Decimal("0")
    )
    read = reading is not None and not reading.failed
    due = 0
    if answered or read:
        due = credits_for((cost if answered else Decimal("0")) + (reading_cost if read else Decimal("0")))
    charged = notified = 0
    if hold is not None:
        note = _charge_note(decision, model, cost, reading_cost, answered=answered, read=read)
        charged, notified = await settle(session, hold, charge=due, message_id=message_id, note=note, now=now)
    # The turn's one charge, shared out between its rows for the reports: the answer's row what the
    # answer alone would have cost, the reading's what it added (nothing, when both fit in one credit).
    answer_credits = min(charged, credits_for(cost)) if answered else 0
    if called or denied is not None:
        session.add(
            UsageLog(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                message_id=message_id,
                usage_type=denied or (HANDOFF_SUMMARY if briefed else "llm"),
                credits=answer_credits,
                model=model if called else None,
                prompt_tokens=decision.prompt_tokens,
                completion_tokens=decision.completion_tokens,
                cost=cost,
                response_time_ms=decision.latency_ms,
                created_at=now,
                updated_at=now,
            )
        )
    if reading is not None:
        session.add(
            UsageLog(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                message_id=inbound_message_id,
                usage_type=INTENT_READING,
                credits=charged - answer_credits,
                model=reading.model,
                prompt_tokens=reading.prompt_tokens,
                completion_tokens=reading.completion_tokens,
                cost=reading_cost,
                created_at=now,
                updated_at=now,
            )
        )
    return TurnCharge(charged, cost + reading_cost, notified)


def _charge_note(
    decision: Decision, model: str | None, cost: Decimal, reading_cost: Decimal, *, answered: bool, read: bool
) -> str:
    """The commit's ledger description: what the turn's one charge paid for."""
    parts = []
    if answered:
        call = (
            f"{model}: {decision.prompt_tokens} prompt + {decision.completion_tokens} completion tokens, "
            f"{cost} USD"
        )
        parts.append(f"handoff briefing for the agent, {call}" if decision.handoff_briefing else call)
    reading = decision.intent_reading
    if read and reading is not None:
        parts.append(
            f"intent reading, {reading.model}: {reading.prompt_tokens} prompt + "
            f"{reading.completion_tokens} completion tokens, {reading_cost} USD"
        )
    return "; ".join(parts)
