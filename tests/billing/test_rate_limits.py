"""Plan rate limits and customer flood control: exact counts under concurrency, on every database.

Each admission runs in its own transaction, as the LLM path runs it; the clock is the ``now`` passed in.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing.admission import LLMTurnRequest
from bot.billing.rate_limits import (
    CLEANUP_BATCH,
    CUSTOMER_TURNS_PER_MINUTE,
    Admission,
    PlanRates,
    RateLimitCheck,
    admit_llm_turn,
    release_llm_turn,
    tenant_rates,
)
from bot.config import load_settings
from bot.engine.types import CUSTOMER_FLOOD, FLOOD_NOTICE
from bot.tenancy.tenant_accounts import create_tenant
from storage.db import create_engine, session_factory, transaction
from storage.models import RateLimitCounter, Subscription

# Half a minute into 10:00 UTC: the minute window is 10:00:00-10:01:00, the hour 10:00-11:00.
T0 = datetime(2026, 3, 2, 10, 0, 30, tzinfo=UTC)


async def new_tenant(sessions: async_sessionmaker[AsyncSession], slug: str, plan: str = "basic") -> int:
    async with transaction(sessions) as session:
        return (await create_tenant(session, name=slug.title(), slug=slug, plan_code=plan)).id


async def admit(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: int,
    customer_id: int | None,
    now: datetime = T0,
    rates: PlanRates | None = None,
) -> Admission:
    async with transaction(sessions) as session:
        return await admit_llm_turn(
            session, tenant_id=tenant_id, customer_id=customer_id, now=now, rates=rates
        )


def outcomes(admissions: list[Admission]) -> Counter[str]:
    return Counter(a.reason or "allowed" for a in admissions)


async def test_fifty_concurrent_turns_against_twenty_a_minute_admit_exactly_twenty(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    basic = await new_tenant(sessions, "basic-shop")  # 20 a minute, 500 an hour
    admissions = await asyncio.gather(*(admit(sessions, basic, customer) for customer in range(1, 51)))
    assert outcomes(admissions) == {"allowed": 20, "tenant_minute": 30}
    # The refused 30 took no hour slot: with the hour cut to 25 (as on a smaller plan), 5 are left.
    next_minute, small_hour = T0 + timedelta(minutes=1), PlanRates(per_minute=20, per_hour=25)
    later = await asyncio.gather(
        *(admit(sessions, basic, customer, next_minute, small_hour) for customer in range(1, 21))
    )
    assert outcomes(later) == {"allowed": 5, "tenant_hour": 15}


async def test_two_processes_share_the_counts(db_url: str) -> None:
    """Two engines with their own connections, as two runtime processes have, never both take a slot."""
    here, there = create_engine(db_url), create_engine(db_url)
    try:
        here_sessions, there_sessions = session_factory(here), session_factory(there)
        basic = await new_tenant(here_sessions, "two-process-shop")
        admissions = await asyncio.gather(
            *(admit(here_sessions, basic, customer) for customer in range(1, 26)),
            *(admit(there_sessions, basic, customer) for customer in range(26, 51)),
        )
    finally:
        await here.dispose()
        await there.dispose()
    assert outcomes(admissions) == {"allowed": 20, "tenant_minute": 30}


async def test_a_new_minute_opens_new_slots(sessions: async_sessionmaker[AsyncSession]) -> None:
    basic = await new_tenant(sessions, "rollover-shop")
    last_second = datetime(2026, 3, 2, 10, 0, 59, 999_000, tzinfo=UTC)
    for customer in range(20):
        assert (await admit(sessions, basic, customer, last_second)).allowed
    refused = await admit(sessions, basic, 99, last_second)
    assert refused.reason == "tenant_minute"
    assert refused.retry_at == datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    assert (await admit(sessions, basic, 99, datetime(2026, 3, 2, 10, 1, tzinfo=UTC))).allowed


async def test_the_hour_limit_holds_across_minutes_and_refusals_take_no_minute_slot(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    free = await new_tenant(sessions, "free-shop", plan="free")  # 5 a minute, 50 an hour
    for minute in range(10):
        at = T0 + timedelta(minutes=minute)
        answers = [await admit(sessions, free, customer, at) for customer in range(6)]
        assert outcomes(answers) == {"allowed": 5, "tenant_minute": 1}
    eleventh_minute = T0 + timedelta(minutes=10)
    refused = await admit(sessions, free, 1, eleventh_minute)
    assert refused.reason == "tenant_hour"
    assert refused.retry_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    for customer in range(3):
        assert (await admit(sessions, free, customer, eleventh_minute)).reason == "tenant_hour"
    # Upgraded mid-hour (a larger hour, the same minute): the refused turns held none of this minute's 5.
    upgraded = PlanRates(per_minute=5, per_hour=500)
    answers = [await admit(sessions, free, 10 + n, eleventh_minute, upgraded) for n in range(6)]
    assert outcomes(answers) == {"allowed": 5, "tenant_minute": 1}
    assert (await admit(sessions, free, 1, datetime(2026, 3, 2, 11, 0, tzinfo=UTC))).allowed


async def test_a_flooding_customer_gets_six_turns_and_one_notice_and_leaves_the_rest_to_others(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    basic = await new_tenant(sessions, "flooded-shop")  # 20 a minute
    flooder, others = 7, range(100, 130)
    burst = [await admit(sessions, basic, flooder, T0 + timedelta(seconds=n)) for n in range(30)]
    assert CUSTOMER_TURNS_PER_MINUTE == 6
    assert [a.allowed for a in burst] == [True] * 6 + [False] * 24
    assert {a.reason for a in burst[6:]} == {"customer_flood"}
    # The notice goes out once: for the first message over the limit only.
    assert [a.first_over_limit for a in burst] == [False] * 6 + [True] + [False] * 23
    assert burst[6].retry_at == datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    # The tenant spent 6 of its 20 on the flood; the other customers get the other 14.
    rest = [await admit(sessions, basic, customer, T0 + timedelta(seconds=29)) for customer in others]
    assert outcomes(rest) == {"allowed": 14, "tenant_minute": 16}
    # Next minute the customer is welcome again.
    assert (await admit(sessions, basic, flooder, T0 + timedelta(seconds=30))).allowed


async def test_concurrent_messages_of_one_customer_admit_exactly_the_flood_limit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    pro = await new_tenant(sessions, "pro-shop", plan="pro")  # 50 a minute
    burst = await asyncio.gather(*(admit(sessions, pro, 7) for _ in range(30)))
    assert outcomes(burst) == {"allowed": 6, "customer_flood": 24}
    assert sum(a.first_over_limit for a in burst) == 1


async def test_a_first_message_is_never_a_flood(sessions: async_sessionmaker[AsyncSession]) -> None:
    pro = await new_tenant(sessions, "first-message-shop", plan="pro")
    answers = [await admit(sessions, pro, None) for _ in range(10)]
    assert all(a.allowed for a in answers)


async def test_another_tenant_is_unaffected(sessions: async_sessionmaker[AsyncSession]) -> None:
    busy = await new_tenant(sessions, "busy-shop")
    quiet = await new_tenant(sessions, "quiet-shop")
    await asyncio.gather(*(admit(sessions, busy, customer) for customer in range(40)))
    assert (await admit(sessions, busy, 1000)).reason == "tenant_minute"
    answers = await asyncio.gather(*(admit(sessions, quiet, customer) for customer in range(20)))
    assert all(a.allowed for a in answers)


async def test_released_slots_can_be_taken_again(sessions: async_sessionmaker[AsyncSession]) -> None:
    basic = await new_tenant(sessions, "release-shop")
    admitted = [await admit(sessions, basic, customer) for customer in range(20)]
    async with transaction(sessions) as session:
        # Two turns found no credits: they give back what they took (a refusal has nothing to give).
        for admission in (
            *admitted[:2],
            await admit_llm_turn(session, tenant_id=basic, customer_id=1, now=T0),
        ):
            await release_llm_turn(session, admission, now=T0)
    answers = [await admit(sessions, basic, customer) for customer in range(50, 53)]
    assert outcomes(answers) == {"allowed": 2, "tenant_minute": 1}


async def test_rates_come_from_the_plan_and_default_to_the_free_plan(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    pro = await new_tenant(sessions, "rates-pro", plan="pro")
    lapsed = await new_tenant(sessions, "rates-lapsed", plan="enterprise")
    unsubscribed = await new_tenant(sessions, "rates-none", plan="basic")
    async with transaction(sessions) as session:
        await session.execute(
            update(Subscription).where(Subscription.tenant_id == lapsed).values(status="canceled")
        )
        await session.execute(delete(Subscription).where(Subscription.tenant_id == unsubscribed))
    async with transaction(sessions) as session:
        assert await tenant_rates(session, pro) == PlanRates(per_minute=50, per_hour=2000)
        assert await tenant_rates(session, lapsed) == PlanRates(per_minute=5, per_hour=50)
        assert await tenant_rates(session, unsubscribed) == PlanRates(per_minute=5, per_hour=50)
    answers = [await admit(sessions, unsubscribed, customer) for customer in range(6)]
    assert outcomes(answers) == {"allowed": 5, "tenant_minute": 1}


async def counter_rows(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> int:
    async with sessions() as session:
        query = (
            select(func.count()).select_from(RateLimitCounter).where(RateLimitCounter.tenant_id == tenant_id)
        )
        return int(await session.scalar(query) or 0)


async def test_ended_windows_are_cleaned_up_a_bounded_batch_at_a_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    pro = await new_tenant(sessions, "cleanup-shop", plan="pro")
    for customer in range(40):  # 40 customer minutes, one tenant minute, one tenant hour
        assert (await admit(sessions, pro, customer)).allowed
    assert await counter_rows(sessions, pro) == 42
    # Ten minutes on, in the same hour: each admission that opens a window deletes at most a batch.
    later = T0 + timedelta(minutes=10)
    assert (await admit(sessions, pro, 1000, later)).allowed  # opens a customer and a tenant minute
    assert await counter_rows(sessions, pro) == 42 + 2 - CLEANUP_BATCH
    assert (await admit(sessions, pro, None, later)).allowed  # opens nothing: deletes nothing
    assert await counter_rows(sessions, pro) == 42 + 2 - CLEANUP_BATCH
    for customer in range(1001, 1004):
        assert (await admit(sessions, pro, customer, later)).allowed
    # Left: the open hour, this minute's tenant window and its four customers' windows.
    assert await counter_rows(sessions, pro) == 6
    # The counts of the open windows survived the cleanup.
    answers = [await admit(sessions, pro, None, later) for _ in range(50)]
    assert outcomes(answers) == {"allowed": 45, "tenant_minute": 5}


@pytest.mark.parametrize("naive", [True, False])
async def test_the_clock_is_read_in_utc(sessions: async_sessionmaker[AsyncSession], naive: bool) -> None:
    free = await new_tenant(sessions, "clock-shop", plan="free")
    at = T0.replace(tzinfo=None) if naive else T0.astimezone(timezone(timedelta(hours=-5)))
    for customer in range(5):
        assert (await admit(sessions, free, customer, at)).allowed
    assert (await admit(sessions, free, 9, T0)).reason == "tenant_minute"


def turn_request(tenant_id: int, customer_id: int | None) -> LLMTurnRequest:
    return LLMTurnRequest(
        tenant_id=tenant_id, customer_id=customer_id, inbound_event_id=1, lock_token="t", credits=1
    )


async def test_the_admission_check_reports_a_flood_once_as_the_notice_then_as_the_flood(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tenant = await new_tenant(sessions, "check-flood", plan="enterprise")
    verdicts = []
    for _ in range(CUSTOMER_TURNS_PER_MINUTE + 3):
        async with transaction(sessions) as session:
            verdicts.append(await RateLimitCheck().check(session, turn_request(tenant, 7), T0))
    assert [v.admitted for v in verdicts] == [True] * CUSTOMER_TURNS_PER_MINUTE + [False] * 3
    assert [v.reason for v in verdicts[CUSTOMER_TURNS_PER_MINUTE:]] == [
        FLOOD_NOTICE,
        CUSTOMER_FLOOD,
        CUSTOMER_FLOOD,
    ]


async def test_an_admitted_turn_refused_its_credits_gives_its_tenant_slots_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tenant = await new_tenant(sessions, "check-give-back")  # basic: 20 a minute
    check = RateLimitCheck()
    for customer in range(1, 21):
        async with transaction(sessions) as session:
            verdict = await check.check(session, turn_request(tenant, customer), T0)
            assert verdict.admitted
            assert verdict.give_back is not None
            await verdict.give_back(session)  # as admit_and_hold does when the credits run out
    async with transaction(sessions) as session:
        taken = await session.scalar(
            select(func.sum(RateLimitCounter.hits)).where(
                RateLimitCounter.tenant_id == tenant, RateLimitCounter.scope == "tenant"
            )
        )
    assert taken == 0
    async with transaction(sessions) as session:
        assert (await check.check(session, turn_request(tenant, 99), T0)).admitted


async def test_the_served_flood_limit_is_a_setting_whose_default_is_the_modules(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert load_settings({}).customer_turns_per_minute == CUSTOMER_TURNS_PER_MINUTE
    assert load_settings({"CHATBOT_CUSTOMER_TURNS_PER_MINUTE": "2"}).customer_turns_per_minute == 2
    tenant = await new_tenant(sessions, "check-two-a-minute", plan="enterprise")
    check = RateLimitCheck(customer_limit=2)
    reasons = []
    for _ in range(3):
        async with transaction(sessions) as session:
            reasons.append((await check.check(session, turn_request(tenant, 9), T0)).reason)
    assert reasons == [None, None, FLOOD_NOTICE]
