"""A turn's admission port: the engine asks it before calling the LLM; it holds the turn's credits.

One ``TurnMeter`` per turn. ``admit`` runs bot/billing/admission.py in its own unit of the group commit
(committed before the model is called) and keeps the hold it got, which the turn's persist step settles
(bot/pipeline/effects.py: commit the real cost, or release it). The admission checks, such as rate
limits, are chosen where the runtime is wired (bot/runtime.py) and passed in here.

The optional LLM intent reading asks first (``admit_reading``): credits only, no check. A turn holds
its credits once, so when the reading took the hold, ``admit`` runs the checks alone; when the reading
was refused (out of credits), ``admit`` asks everything afresh, checks first, so a customer flooding an
account without credits still gets the flood notice.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.billing.admission import (
    AdmissionCheck,
    AdmissionOutcome,
    LLMTurnRequest,
    admit_and_hold,
    hold_credits,
    run_checks,
)
from bot.billing.prices import reservation_for
from bot.billing.turn_credits import Hold
from bot.engine.types import Admission, Turn
from storage.group_commit import GroupCommit
from storage.inbox_queue import ClaimedEvent
from storage.models import utcnow


class TurnMeter:
    """Implements the engine's AdmissionPort for one attempt of one event's turn."""

    def __init__(
        self,
        commits: GroupCommit,
        event: ClaimedEvent,
        *,
        checks: Sequence[AdmissionCheck] = (),
        default_model: str | None = None,
    ) -> None:
        self._commits = commits
        self._event = event
        self._checks = tuple(checks)
        self._default_model = default_model
        # Set by an admission that reserved credits; settled by the persist step.
        self.hold: Hold | None = None

    async def admit(self, turn: Turn) -> Admission:
        request = self._request(turn)
        if self.hold is not None:
            held = await self._commits.run(
                lambda session: run_checks(session, request, self._checks, utcnow())
            )
            return Admission(held.admitted, held.reason)
        return self._kept(
            await self._commits.run(lambda session: admit_and_hold(session, request, self._checks, utcnow()))
        )

    async def admit_reading(self, turn: Turn) -> Admission:
        if self.hold is not None:
            return Admission(True)
        request = self._request(turn)
        # The turn's ordinary hold, as an answer would take it: the reading is a small part of it.
        return self._kept(await self._commits.run(lambda session: hold_credits(session, request, utcnow())))

    def _request(self, turn: Turn) -> LLMTurnRequest:
        return LLMTurnRequest(
            tenant_id=self._event.tenant_id,
            customer_id=turn.customer.customer_id,
            inbound_event_id=self._event.id,
            lock_token=self._event.lock_token,
            credits=reservation_for(turn.bot.model or self._default_model, turn.bot.max_output_tokens),
        )

    def _kept(self, outcome: AdmissionOutcome) -> Admission:
        if outcome.hold is not None:
            self.hold = outcome.hold
        return Admission(outcome.admitted, outcome.reason)
