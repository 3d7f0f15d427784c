"""The lead lifecycle as a customer lives it: messages through the whole pipeline on the console channel,
the lead read back with the activity rows that explain every change.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.leads.lead_rules import RETURNING_REASON
from bot.tenancy.demo.seed import DemoReport
from storage.db import transaction
from storage.models import Conversation, Customer, utcnow
from tests.handoff.test_handoff_rules import COMPLAINT, Chat, chat
from tests.leads.lead_support import Activity, activities, assert_every_change_recorded, customer_row
from tests.pipeline.test_llm_turns import open_chat

__all__ = ["chat"]

PRICING = "how much is the house blend?"
BUYING = "I want to buy two bags"


async def customer_of(chat: Chat, who: str = "rita") -> Customer:
    async with chat.sessions() as session:
        found = await session.scalar(select(Customer).where(Customer.platform_user_id == who))
    assert found is not None
    return found


async def test_a_pricing_question_raises_the_score_and_moves_the_lead_to_nurture(chat: Chat) -> None:
    assert await chat.say(PRICING)

    customer = await customer_of(chat)
    assert (customer.lead_stage, customer.lead_score, customer.lead_label) == ("nurture", 10, "cold")
    rows = await activities(chat.sessions, customer.id)
    assert rows == [
        Activity("score", "0", "10", "asked about prices", True),
        Activity("stage", "intake", "nurture", "asked about prices", True),
    ]


async def test_buying_moves_to_convert_and_a_complaint_lowers_the_score(chat: Chat) -> None:
    await chat.say(PRICING)
    await chat.say(BUYING)
    customer = await customer_of(chat)
    assert (customer.lead_stage, customer.lead_score) == ("convert", 30)

    await chat.say(COMPLAINT)

    customer = await customer_of(chat)
    assert (customer.lead_stage, customer.lead_score) == ("convert", 20)
    rows = await activities(chat.sessions, customer.id)
    assert rows[-1] == Activity("score", "30", "20", "complained", True)
    assert_every_change_recorded(customer, rows)
    # The complaint also handed the conversation over; the lead changes all the same.
    assert (await chat.conversation()).status == "escalated"


async def test_the_stage_never_moves_back_on_its_own(chat: Chat) -> None:
    await chat.say(BUYING)
    await chat.say(PRICING)  # a pricing question points at nurture, behind convert

    customer = await customer_of(chat)
    assert (customer.lead_stage, customer.lead_score) == ("convert", 30)
    rows = await activities(chat.sessions, customer.id)
    assert [r for r in rows if r.field == "stage"] == [
        Activity("stage", "intake", "convert", "wants to buy", True)
    ]
    assert_every_change_recorded(customer, rows)


async def test_small_talk_leaves_the_lead_alone(chat: Chat) -> None:
    await chat.say("hi")
    await chat.say("thanks!")

    customer = await customer_of(chat)
    assert (customer.lead_stage, customer.lead_score, customer.customer_type) == ("intake", 0, "new")
    assert await activities(chat.sessions, customer.id) == []


async def test_a_customer_who_comes_back_later_is_returning(chat: Chat) -> None:
    await chat.say("hi")
    await chat.say("what are your opening hours?")  # the same conversation: still new
    assert (await customer_of(chat)).customer_type == "new"
    async with transaction(chat.sessions) as session:  # that conversation went quiet two days ago
        await session.execute(update(Conversation).values(last_activity_at=utcnow() - timedelta(days=2)))

    await chat.say("hello again")

    customer = await customer_of(chat)
    assert customer.customer_type == "returning"
    async with chat.sessions() as session:
        assert len((await session.scalars(select(Conversation.id))).all()) == 2
    rows = await activities(chat.sessions, customer.id)
    assert [r for r in rows if r.field == "type"] == [
        Activity("type", "new", "returning", RETURNING_REASON, True)
    ]
    assert_every_change_recorded(customer, rows)


async def test_the_assistant_moves_the_stage_forward_but_never_back(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    async with open_chat(settings, sessions, demo) as llm_chat:
        llm_chat.gemini.reply_function_call(
            "update_lead_stage", {"stage": "qualified", "reason": "Asked for a yearly subscription"}
        )
        llm_chat.gemini.reply_text("Wonderful, I'll set that up.")
        assert await llm_chat.say("I'm ready to order a subscription") == ["Wonderful, I'll set that up."]
        llm_chat.gemini.reply_function_call("update_lead_stage", {"stage": "nurture", "reason": "Hesitating"})
        llm_chat.gemini.reply_text("No rush.")
        assert await llm_chat.say("hmm, let me think about it") == ["No rush."]

    async with sessions() as session:
        (customer_id,) = (await session.scalars(select(Customer.id))).all()
    customer = await customer_row(sessions, customer_id)
    assert customer.lead_stage == "qualified"
    # The message itself says "buy" (convert); the model then qualified the lead; its move back is dropped.
    rows = await activities(sessions, customer_id)
    assert rows == [
        Activity("score", "0", "20", "wants to buy", True),
        Activity("stage", "intake", "convert", "wants to buy", True),
        Activity("stage", "convert", "qualified", "Asked for a yearly subscription", True),
    ]
    assert_every_change_recorded(customer, rows)
