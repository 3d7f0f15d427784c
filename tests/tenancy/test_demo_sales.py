"""`chatbot demo` seeds a week of past sales: clicks and conversions attributed as real ones are, once."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing.prices import cost_usd, credits_for
from bot.security import CredentialBox
from bot.tenancy.demo.seed import seed_demo
from storage.db import transaction
from storage.models import Conversation, Conversion, Feedback, TrackedLink, UsageLog


async def conversions(sessions: async_sessionmaker[AsyncSession]) -> list[Conversion]:
    async with sessions() as session:
        return list((await session.scalars(select(Conversion).order_by(Conversion.id))).all())


async def test_the_demo_sales_are_clicks_and_attributed_conversions(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> None:
    async with transaction(sessions) as session:
        report = await seed_demo(session, box, sales=True)

    assert "5 past sales conversations" in report.created
    seeded = await conversions(sessions)
    assert Counter(c.outcome for c in seeded) == {
        "visited": 4,
        "purchased": 2,
        "abandoned": 1,
        "did_nothing": 1,
    }
    purchases = [c for c in seeded if c.outcome == "purchased"]
    assert sum((c.value for c in purchases), Decimal(0)) == Decimal("58.00")
    # Every conversion is owed to the bot turn that offered the link, with its intent.
    assert all(c.message_id is not None and c.intent is not None for c in seeded)
    assert {c.last_touch_ad_id for c in purchases} == {"120210000000000101", "120210000000000202"}
    async with sessions() as session:
        clicked = await session.scalar(
            select(func.count()).select_from(TrackedLink).where(TrackedLink.first_clicked_at.is_not(None))
        )
    assert clicked == 4


async def test_seeding_the_demo_sales_again_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> None:
    async with transaction(sessions) as session:
        await seed_demo(session, box, sales=True)
    before = [(c.id, c.outcome, c.value) for c in await conversions(sessions)]

    async with transaction(sessions) as session:
        again = await seed_demo(session, box, sales=True)

    assert not again.changed
    assert [(c.id, c.outcome, c.value) for c in await conversions(sessions)] == before
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 5


async def test_the_demo_sales_have_ratings_and_a_priced_llm_turn_for_the_report(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> None:
    async with transaction(sessions) as session:
        await seed_demo(session, box, sales=True)
        await seed_demo(session, box, sales=True)

    async with sessions() as session:
        ratings = sorted((await session.scalars(select(Feedback.rating))).all())
        usage = (await session.scalars(select(UsageLog))).all()
    assert ratings == [3, 4, 5]
    [turn] = usage
    assert turn.usage_type == "llm"
    assert turn.cost == cost_usd(turn.model, turn.prompt_tokens, turn.completion_tokens) > 0
    assert turn.credits == credits_for(turn.cost) >= 1
