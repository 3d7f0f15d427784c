"""Each handoff rule, as a customer meets it: the handoff message once, the conversation escalated and
audited, a summary for the agent, and the bot silent afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.handoff.business_hours import next_opening, out_of_hours_note, parse_hours
from bot.runtime import Runtime, build_runtime
from bot.tenancy.demo.seed import DemoReport
from storage.config_versions import bump_config_versions
from storage.db import transaction
from storage.models import Bot, Conversation, ConversationEvent, Handoff, InboundEvent, Message, Tenant
from tests.pipeline.test_pipeline import console_ids
from tests.support.doubles import RecordingAdapter, message, wait_until

HANDOFF_WORDS = "passing you to a member of the"
COMPLAINT = "This is unacceptable, my order arrived broken and nobody answers my emails. I want a refund!"


@dataclass
class Chat:
    """One customer talking to the demo bot on the console channel."""

    runtime: Runtime
    adapter: RecordingAdapter
    sessions: async_sessionmaker[AsyncSession]
    tenant_id: int
    channel_id: int
    said: int = 0

    async def say(self, text: str, who: str = "rita") -> list[str]:
        """Send a message; return the bot's replies to it (none while a person owns the conversation)."""
        before = len(self.adapter.sent)
        self.said += 1
        await self.runtime.inbox.accept(
            self.tenant_id, self.channel_id, [message(who, text, f"e{self.said}")]
        )

        async def answered() -> bool:
            async with self.sessions() as session:
                statuses = (await session.scalars(select(InboundEvent.status))).all()
                pending = await session.scalar(
                    select(Message.id).where(Message.direction == "out", Message.status == "pending").limit(1)
                )
            return len(statuses) == self.said and all(s == "done" for s in statuses) and pending is None

        await wait_until(answered)
        return [o.text for o in self.adapter.sent[before:]]

    async def conversation(self) -> Conversation:
        async with self.sessions() as session:
            found = await session.scalar(select(Conversation).order_by(Conversation.id.desc()).limit(1))
        assert found is not None
        return found

    async def handoffs(self) -> list[Handoff]:
        async with self.sessions() as session:
            return list((await session.scalars(select(Handoff).order_by(Handoff.id))).all())

    async def audit(self) -> list[tuple[str, str, str]]:
        async with self.sessions() as session:
            rows = await session.scalars(select(ConversationEvent).order_by(ConversationEvent.id))
            return [(e.from_status, e.to_status, e.actor) for e in rows.all()]


async def set_bot(sessions: async_sessionmaker[AsyncSession], **values: Any) -> None:
    async with transaction(sessions) as session:
        await session.execute(update(Bot).values(**values))
        await bump_config_versions(session, None)


@pytest.fixture
async def chat(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> AsyncIterator[Chat]:
    tenant_id, channel_id = await console_ids(sessions, demo)
    adapter = RecordingAdapter()
    runtime = build_runtime(settings, adapters={"console": adapter})
    runtime.start()
    try:
        yield Chat(runtime, adapter, sessions, tenant_id, channel_id)
    finally:
        await runtime.close()


async def assert_handed_over(chat: Chat, trigger: str) -> Handoff:
    conversation = await chat.conversation()
    assert conversation.status == "escalated"
    (handoff,) = await chat.handoffs()
    assert handoff.trigger == trigger
    assert handoff.summary is not None
    assert "Handed over because" in handoff.summary
    assert (await chat.audit())[-1][1] == "escalated"
    # From now on a person owns it: the bot stays silent, the message is still stored and scored.
    assert await chat.say("hello? anyone there?") == []
    async with chat.sessions() as session:
        last = await session.scalar(select(Message).order_by(Message.id.desc()).limit(1))
    assert last is not None
    assert (last.text, last.route, last.intent is not None) == ("hello? anyone there?", "silent", True)
    return handoff


async def test_asking_for_a_person_hands_over_once(chat: Chat) -> None:
    replies = await chat.say("can I talk to a real person please")
    assert len(replies) == 1
    assert HANDOFF_WORDS in replies[0]
    handoff = await assert_handed_over(chat, "customer_request")
    assert "human_request" in (handoff.summary or "")
    assert await chat.audit() == [("new", "escalated", "rule")]


async def test_the_bots_own_phrase_hands_over(chat: Chat) -> None:
    await set_bot(chat.sessions, handoff_phrases=["get me Maria"])
    replies = await chat.say("hi, could you get me maria from sales")
    assert HANDOFF_WORDS in replies[0]
    await assert_handed_over(chat, "customer_request")


async def test_a_complaint_hands_over(chat: Chat) -> None:
    replies = await chat.say(COMPLAINT)
    assert HANDOFF_WORDS in replies[0]
    handoff = await assert_handed_over(chat, "intent")
    assert "complaint" in handoff.reason


async def test_a_complaint_below_the_bots_threshold_does_not(chat: Chat) -> None:
    # This angry complaint is about 0.98 sure (its score raised by how negative it reads).
    await set_bot(chat.sessions, escalation_threshold=0.99)
    replies = await chat.say(COMPLAINT)
    assert all(HANDOFF_WORDS not in r for r in replies)
    assert await chat.handoffs() == []


async def test_negative_messages_in_a_row_hand_over(chat: Chat) -> None:
    await set_bot(chat.sessions, escalation_intents=[], handoff_after_negative=3, handoff_after_fallbacks=0)
    assert all(HANDOFF_WORDS not in r for r in await chat.say("this is awful"))
    assert all(HANDOFF_WORDS not in r for r in await chat.say("so bad"))
    replies = await chat.say("worst coffee ever, awful")
    assert HANDOFF_WORDS in replies[0]
    handoff = await assert_handed_over(chat, "sentiment")
    assert "3 negative messages" in handoff.reason


async def test_a_kind_word_breaks_the_negative_run(chat: Chat) -> None:
    await set_bot(chat.sessions, escalation_intents=[], handoff_after_negative=2, handoff_after_fallbacks=0)
    await chat.say("this is awful")
    await chat.say("thank you so much, lovely")
    await chat.say("so bad")
    assert await chat.handoffs() == []


async def test_fallbacks_in_a_row_hand_over_instead_of_a_third_shrug(chat: Chat) -> None:
    first = await chat.say("blorp")
    assert all(HANDOFF_WORDS not in r for r in first)
    second = await chat.say("zxqv")
    assert HANDOFF_WORDS in second[0]
    handoff = await assert_handed_over(chat, "fallback")
    assert handoff.reason == "repeated_fallback"


async def test_outside_business_hours_the_customer_is_told_when_someone_will_answer(chat: Chat) -> None:
    closed_all_week_but_sunday_night = {"sun": "23:58-23:59"}
    async with transaction(chat.sessions) as session:
        tenant = await session.get(Tenant, chat.tenant_id)
        assert tenant is not None
        tenant.settings = {**tenant.settings, "business_hours": closed_all_week_but_sunday_night}
    replies = await chat.say("I want to speak to a human")
    assert HANDOFF_WORDS in replies[0]
    assert replies[1].startswith("We're closed right now; a member of the team will answer from Sunday 23:58")


def test_business_hours_find_the_next_opening() -> None:
    hours = parse_hours({"mon": "09:00-17:00", "tue": "09:00-17:00"})
    monday_noon = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert next_opening(hours, monday_noon) is None  # open
    monday_evening = monday_noon + timedelta(hours=8)
    assert next_opening(hours, monday_evening) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    tuesday_evening = monday_evening + timedelta(days=1)
    assert next_opening(hours, tuesday_evening) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    note = out_of_hours_note({"business_hours": {"mon": "09:00-17:00"}}, "Europe/Berlin", monday_evening)
    assert note == (
        "We're closed right now; a member of the team will answer from Monday 09:00 (Europe/Berlin)."
    )
    assert out_of_hours_note({}, "UTC", monday_evening) is None
