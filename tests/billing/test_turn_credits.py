"""An LLM turn's credits: reserved atomically, committed once per event, released when the turn's attempt
ends without them; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing.admission import (
    AdmissionCheck,
    AdmissionOutcome,
    CheckVerdict,
    LLMTurnRequest,
    admit_and_hold,
)
from bot.billing.turn_credits import OUT_OF_CREDITS, Hold, release_abandoned_holds, reserve, settle
from bot.tenancy.demo.seed import DemoReport
from storage import inbox_queue
from storage.db import transaction
from storage.inbox_queue import ClaimedEvent
from storage.models import InboundEvent, utcnow
from tests.support.credits import (
    account,
    assert_ledger_adds_up,
    claimed_events,
    ledger,
    set_balance,
    set_subscription,
)


@pytest.fixture(autouse=True)
async def without_overage(sessions: async_sessionmaker[AsyncSession], demo: DemoReport) -> None:
    """The demo tenant on the basic plan: no overage block comes to the rescue of an empty account."""
    await set_subscription(sessions, demo.tenant_id, plan="basic")


def request_for(event: ClaimedEvent, credits: int = 1) -> LLMTurnRequest:
    return LLMTurnRequest(event.tenant_id, None, event.id, event.lock_token, credits)


async def admit(
    sessions: async_sessionmaker[AsyncSession],
    event: ClaimedEvent,
    credits: int = 1,
    checks: Sequence[AdmissionCheck] = (),
) -> AdmissionOutcome:
    async with transaction(sessions) as session:
        return await admit_and_hold(session, request_for(event, credits), checks, utcnow())


async def commit(sessions: async_sessionmaker[AsyncSession], hold: Hold, charge: int) -> tuple[int, int]:
    async with transaction(sessions) as session:
        return await settle(session, hold, charge=charge, message_id=None, note="test turn", now=utcnow())


async def test_fifty_concurrent_reservations_against_twenty_credits_hold_exactly_twenty(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    await set_balance(sessions, demo.tenant_id, 20)
    events = await claimed_events(sessions, demo.tenant_id, 50)

    # Fifty transactions at once (on PostgreSQL on up to twenty connections, each waiting on the row lock).
    outcomes = await asyncio.gather(*(admit(sessions, event) for event in events))

    admitted = [o for o in outcomes if o.admitted]
    assert len(admitted) == 20
    assert {o.reason for o in outcomes if not o.admitted} == {OUT_OF_CREDITS}
    held = await account(sessions, demo.tenant_id)
    assert (held.balance, held.reserved) == (20, 20)

    charged = await asyncio.gather(*(commit(sessions, o.hold, 1) for o in admitted if o.hold))

    assert [c for c, _ in charged] == [1] * 20
    after = await account(sessions, demo.tenant_id)
    assert (after.balance, after.reserved, after.period_used) == (0, 0, 20)
    kinds = [row.kind for row in await ledger(sessions, demo.tenant_id)]
    assert (kinds.count("reserve"), kinds.count("commit"), kinds.count("release")) == (20, 20, 0)
    await assert_ledger_adds_up(sessions, demo.tenant_id)


async def test_a_retried_attempt_releases_the_first_hold_and_the_turn_is_charged_once(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    (first,) = await claimed_events(sessions, demo.tenant_id, 1, lease_seconds=0.01)
    assert (await admit(sessions, first)).admitted
    # The first attempt dies before its commit; its lease runs out and the event is claimed again.
    await asyncio.sleep(0.05)
    async with transaction(sessions) as session:
        (second,) = await inbox_queue.claim_events(session, now=utcnow(), lease_seconds=60, limit=1)
    assert (second.id, second.attempts) == (first.id, 2)

    retried = await admit(sessions, second)
    assert retried.hold is not None
    assert await commit(sessions, retried.hold, 1) == (1, 0)

    rows = await ledger(sessions, demo.tenant_id)
    assert [(r.kind, r.delta, r.reserved_delta) for r in rows[1:]] == [
        ("reserve", 0, 1),
        ("release", 0, -1),
        ("reserve", 0, 1),
        ("commit", -1, -1),
    ]
    assert {r.inbound_event_id for r in rows[1:]} == {first.id}
    after = await account(sessions, demo.tenant_id)
    assert (after.balance, after.reserved) == (999, 0)
    await assert_ledger_adds_up(sessions, demo.tenant_id)


async def test_an_event_is_committed_once_ever(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    (event,) = await claimed_events(sessions, demo.tenant_id, 1)
    outcome = await admit(sessions, event)
    assert outcome.hold is not None
    await commit(sessions, outcome.hold, 1)

    # Even a hold that somehow came back for the same event cannot be charged again: the key is taken.
    again = Hold(event.tenant_id, event.id, event.lock_token + "x", 1)
    with pytest.raises(IntegrityError):
        await commit(sessions, again, 1)
    assert (await account(sessions, demo.tenant_id)).balance == 999


async def test_a_turn_dearer_than_its_hold_pays_from_free_credits_but_never_below_zero(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    await set_balance(sessions, demo.tenant_id, 5)
    first, second = await claimed_events(sessions, demo.tenant_id, 2)
    hold = (await admit(sessions, first)).hold
    assert hold is not None
    assert (await commit(sessions, hold, 3))[0] == 3
    assert (await account(sessions, demo.tenant_id)).balance == 2

    hold = (await admit(sessions, second)).hold
    assert hold is not None
    assert (await commit(sessions, hold, 4))[0] == 2  # all there was
    rows = await ledger(sessions, demo.tenant_id)
    assert rows[-1].description is not None
    assert "2 more credits were due but not available" in rows[-1].description
    assert (await account(sessions, demo.tenant_id)).balance == 0
    await assert_ledger_adds_up(sessions, demo.tenant_id)


async def test_a_failed_model_call_releases_the_hold(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    (event,) = await claimed_events(sessions, demo.tenant_id, 1)
    hold = (await admit(sessions, event)).hold
    assert hold is not None
    assert await commit(sessions, hold, 0) == (0, 0)
    assert [r.kind for r in await ledger(sessions, demo.tenant_id)][1:] == ["reserve", "release"]
    assert (await account(sessions, demo.tenant_id)).balance == 1000
    await assert_ledger_adds_up(sessions, demo.tenant_id)


async def test_holds_whose_attempt_ended_are_released_by_the_sweep_and_live_ones_are_kept(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    failed, waiting, live, expired = await claimed_events(sessions, demo.tenant_id, 4)
    for event in (failed, waiting, live, expired):
        assert (await admit(sessions, event)).admitted
    async with transaction(sessions) as session:
        await inbox_queue.fail_event(session, failed, error="gave up", now=utcnow())
        await inbox_queue.release_for_retry(session, waiting, error="boom", delay_seconds=60, now=utcnow())
        # A lease that merely ran out: its worker may still be finishing, so its hold stays.
        await session.execute(
            update(InboundEvent)
            .where(InboundEvent.id == expired.id)
            .values(locked_until=utcnow() - timedelta(minutes=5))
        )

    async with transaction(sessions) as session:
        assert await release_abandoned_holds(session, utcnow()) == 2
    async with transaction(sessions) as session:
        assert await release_abandoned_holds(session, utcnow()) == 0

    released = [r.inbound_event_id for r in await ledger(sessions, demo.tenant_id) if r.kind == "release"]
    assert set(released) == {failed.id, waiting.id}
    assert len(released) == 2
    assert (await account(sessions, demo.tenant_id)).reserved == 2
    await assert_ledger_adds_up(sessions, demo.tenant_id)


async def test_a_refusing_check_stops_the_turn_before_any_credit_is_held(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    (event,) = await claimed_events(sessions, demo.tenant_id, 1)

    class OverTheRate:
        async def check(self, session: AsyncSession, request: LLMTurnRequest, now: object) -> CheckVerdict:
            return CheckVerdict(False, "tenant_minute")

    outcome = await admit(sessions, event, checks=(OverTheRate(),))
    assert (outcome.admitted, outcome.reason, outcome.hold) == (False, "tenant_minute", None)
    assert (await account(sessions, demo.tenant_id)).reserved == 0


async def test_a_check_gets_back_what_it_took_when_the_tenant_is_out_of_credits(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    await set_balance(sessions, demo.tenant_id, 0)
    (event,) = await claimed_events(sessions, demo.tenant_id, 1)
    given_back: list[int] = []

    class CountingSlot:
        async def check(self, session: AsyncSession, request: LLMTurnRequest, now: object) -> CheckVerdict:
            async def give_back(_session: AsyncSession) -> None:
                given_back.append(request.inbound_event_id)

            return CheckVerdict(True, give_back=give_back)

    outcome = await admit(sessions, event, checks=(CountingSlot(),))
    assert (outcome.admitted, outcome.reason) == (False, OUT_OF_CREDITS)
    assert given_back == [event.id]


async def test_a_reservation_needs_the_whole_estimate_free(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    await set_balance(sessions, demo.tenant_id, 3)
    first, second = await claimed_events(sessions, demo.tenant_id, 2)
    async with transaction(sessions) as session:
        assert await reserve(
            session,
            tenant_id=demo.tenant_id,
            inbound_event_id=first.id,
            lock_token=first.lock_token,
            credits_needed=2,
            now=utcnow(),
        )
    assert not (await admit(sessions, second, credits=2)).admitted
    assert (await admit(sessions, second, credits=1)).admitted
