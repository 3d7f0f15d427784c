"""The one gate an LLM turn passes right before the model is called: admission checks, then its credits.

``admit_and_hold`` runs as one short unit of work of its own (the pipeline's group commit), committed
before the model is called, so no transaction stays open across an LLM call. In order:

1. Each ``AdmissionCheck`` the runtime was given, first refusal wins. This is where per-tenant rate
   limits and per-customer flood control plug in (bot/billing/rate_limits.py): a check takes what it
   needs (a slot in a window) in the unit's session and says how to give it back.
2. The turn's credit hold (bot/billing/turn_credits.py). If the tenant is out of credits, what the
   checks took is given back in the same unit.

A refused turn is still answered: the engine takes the out-of-credits path (the bot's
``out_of_credits_action``: an offline answer or a handoff) and records the reason on its usage row. The
message is never dropped and the customer never sees an error.

The optional LLM intent reading comes earlier in the turn and asks the credits alone (``hold_credits``):
a turn holds its credits once, so when the reading took the hold the answer's gate runs only the
checks (``run_checks``). The checks are never run for the reading: they count the turns the model
answers (one hit per message for flood control), and a refused reading must not stand for the turn,
whose own gate may still owe the customer a flood notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.turn_credits import OUT_OF_CREDITS, Hold, reserve


@dataclass(frozen=True)
class LLMTurnRequest:
    """What the gate knows of the turn asking for the model."""

    tenant_id: int
    # None when this message is the customer's first (the customer row is written with the turn).
    customer_id: int | None
    inbound_event_id: int
    lock_token: str
    # What the turn would reserve (bot/billing/prices.py, reservation_for).
    credits: int


GiveBack = Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True)
class CheckVerdict:
    admitted: bool
    # Why not (short, stable: it is stored as the usage row's type), e.g. "tenant_minute".
    reason: str | None = None
    # Undoes what an admitting check took, in the same session, when a later step refuses the turn.
    give_back: GiveBack | None = None


class AdmissionCheck(Protocol):
    async def check(self, session: AsyncSession, request: LLMTurnRequest, now: datetime) -> CheckVerdict: ...


@dataclass(frozen=True)
class AdmissionOutcome:
    admitted: bool
    reason: str | None = None
    hold: Hold | None = None


async def admit_and_hold(
    session: AsyncSession, request: LLMTurnRequest, checks: Sequence[AdmissionCheck], now: datetime
) -> AdmissionOutcome:
    """Run the checks, then reserve the turn's credits; one unit of work, safe to run again."""
    checked, admitted = await _checked(session, request, checks, now)
    if not checked.admitted:
        return checked
    outcome = await hold_credits(session, request, now)
    if not outcome.admitted:
        await _give_back(session, admitted)
    return outcome


async def run_checks(
    session: AsyncSession, request: LLMTurnRequest, checks: Sequence[AdmissionCheck], now: datetime
) -> AdmissionOutcome:
    """The checks alone, for a turn that holds its credits already (its intent reading took them)."""
    checked, _ = await _checked(session, request, checks, now)
    return checked


async def hold_credits(session: AsyncSession, request: LLMTurnRequest, now: datetime) -> AdmissionOutcome:
    """Reserve the turn's credits, no check run: refused only when the tenant is out of credits."""
    hold = await reserve(
        session,
        tenant_id=request.tenant_id,
        inbound_event_id=request.inbound_event_id,
        lock_token=request.lock_token,
        credits_needed=request.credits,
        now=now,
    )
    if hold is None:
        return AdmissionOutcome(False, OUT_OF_CREDITS)
    return AdmissionOutcome(True, hold=hold)


async def _checked(
    session: AsyncSession, request: LLMTurnRequest, checks: Sequence[AdmissionCheck], now: datetime
) -> tuple[AdmissionOutcome, list[CheckVerdict]]:
    """The checks in order, first refusal wins (what the earlier ones took is given back then)."""
    admitted: list[CheckVerdict] = []
    for check in checks:
        verdict = await check.check(session, request, now)
        if not verdict.admitted:
            await _give_back(session, admitted)
            return AdmissionOutcome(False, verdict.reason or "refused"), []
        admitted.append(verdict)
    return AdmissionOutcome(True), admitted


async def _give_back(session: AsyncSession, admitted: Sequence[CheckVerdict]) -> None:
    for verdict in reversed(admitted):
        if verdict.give_back is not None:
            await verdict.give_back(session)
