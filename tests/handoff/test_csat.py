"""CSAT: after an agent resolves, the customer is asked once for a 1-5 rating in the platform's own way;
the answer (and a comment) is stored as feedback for that agent; never outside the messaging window,
never after the system closes a conversation; an answer that is not a rating goes to the bot."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.handoff.conversation_states import RULE, transition
from storage.db import transaction
from storage.models import Conversation, Feedback, Message, utcnow
from tests.support.platforms import World, payload
from tests.web.agent.desk import (
    PSID,
    WA_ID,
    AgentClient,
    conversation_of,
    customer_says,
    customer_went_quiet,
    new_agent,
    waiting_customer,
)

QUESTION = "How did we do today?"


async def resolved_by(world: World, agent: AgentClient, platform: str = "messenger") -> int:
    conversation = await waiting_customer(world, platform)
    assert (await agent.post(f"/conversations/{conversation}/claim")).status == 200
    assert (await agent.post(f"/conversations/{conversation}/resolve", {"note": "sorted"})).status == 200
    await world.settled()
    return conversation


def questions_to(world: World, recipient: str) -> list[dict[str, object]]:
    return [body for body in world.graph.sent_to(recipient) if QUESTION in json.dumps(body)]


async def feedback_rows(world: World) -> list[Feedback]:
    async with world.sessions() as session:
        return list((await session.scalars(select(Feedback))).all())


async def test_messenger_asks_once_with_quick_replies_and_stores_the_rating_with_its_comment(
    world: World,
) -> None:
    dana = await new_agent(world, "Dana")
    conversation = await resolved_by(world, dana)

    [question] = questions_to(world, PSID)
    message = question["message"]
    assert isinstance(message, dict)
    assert [q["payload"] for q in message["quick_replies"]] == ["1", "2", "3", "4", "5"]

    await customer_says(world, "messenger", "4 - quick and kind")

    [feedback] = await feedback_rows(world)
    assert (feedback.conversation_id, feedback.rating, feedback.comment, feedback.agent_id) == (
        conversation,
        4,
        "quick and kind",
        dana.id,
    )
    closed = await conversation_of(world, PSID)
    assert (closed.id, closed.status) == (conversation, "closed")
    assert any("Thank you for rating us" in json.dumps(b) for b in world.graph.sent_to(PSID))
    # Asked once: the rating's thanks is not a second question.
    assert len(questions_to(world, PSID)) == 1


async def test_whatsapp_offers_the_five_ratings_as_an_interactive_list(world: World) -> None:
    dana = await new_agent(world, "Dana")
    await resolved_by(world, dana, "whatsapp")

    [question] = questions_to(world, WA_ID)
    interactive = question["interactive"]
    assert isinstance(interactive, dict)
    rows = [row["title"] for section in interactive["action"]["sections"] for row in section["rows"]]
    assert rows == ["1", "2", "3", "4", "5"]


async def test_groupme_asks_in_plain_text(world: World) -> None:
    assert (await world.post("groupme", payload("groupme", "user_mention.json"))).status == 200
    await world.settled()
    async with transaction(world.sessions) as session:
        group_conversation = await session.scalar(select(Conversation))
        assert group_conversation is not None
        await transition(session, group_conversation, "escalated", actor=RULE, now=utcnow(), reason="test")
    dana = await new_agent(world, "Dana")
    before = len(world.groupme.requests)

    assert (await dana.post(f"/conversations/{group_conversation.id}/resolve", {})).status == 200
    await world.settled()

    posts = [json.loads(r.body) for r in world.groupme.requests[before:]]
    assert [p["text"] for p in posts] == [
        "How did we do today? Please rate your conversation from 1 (poor) to 5 (excellent)."
    ]


async def test_a_reply_that_is_not_a_rating_goes_to_the_bot_and_a_later_rating_still_counts(
    world: World,
) -> None:
    dana = await new_agent(world, "Dana")
    conversation = await resolved_by(world, dana)

    await customer_says(world, "messenger", "5 bags of the house blend please, what do they cost?")
    assert await feedback_rows(world) == []
    async with world.sessions() as session:
        routes = (
            await session.scalars(
                select(Message.route).where(Message.conversation_id == conversation, Message.role == "user")
            )
        ).all()
    assert routes[-1] != "feedback"
    assert (await conversation_of(world, PSID)).status == "resolved"

    await customer_says(world, "messenger", "5")
    assert [f.rating for f in await feedback_rows(world)] == [5]


async def test_no_rating_is_asked_outside_the_messaging_window_and_the_agent_is_told(world: World) -> None:
    dana = await new_agent(world, "Dana")
    conversation = await waiting_customer(world)
    assert (await dana.post(f"/conversations/{conversation}/claim")).status == 200
    await customer_went_quiet(world, PSID, timedelta(hours=30))

    assert (await dana.post(f"/conversations/{conversation}/resolve", {})).status == 200
    await world.settled()

    assert questions_to(world, PSID) == []
    notes = (await dana.get(f"/conversations/{conversation}")).body["notes"]
    assert [(n["agent"], "messaging window is closed" in n["text"]) for n in notes] == [(None, True)]
    async with world.sessions() as session:
        row = await session.get(Conversation, conversation)
    assert row is not None
    assert row.csat_requested_at is None


async def test_a_conversation_the_system_closes_is_never_asked(world: World) -> None:
    await waiting_customer(world)
    async with transaction(world.sessions) as session:
        quiet = await session.scalar(select(Conversation))
        assert quiet is not None
        quiet.last_activity_at = utcnow() - timedelta(days=3)

    await customer_says(world, "messenger", "hello again")

    async with world.sessions() as session:
        conversations = (await session.scalars(select(Conversation).order_by(Conversation.id))).all()
    assert next(c.status for c in conversations) == "closed"
    assert all(c.csat_requested_at is None for c in conversations)
    assert questions_to(world, PSID) == []


async def test_asking_for_a_person_after_a_resolve_opens_a_new_handoff(world: World) -> None:
    dana = await new_agent(world, "Dana")
    first = await resolved_by(world, dana)

    await customer_says(world, "messenger", "can I talk to a real person please")

    again = await conversation_of(world, PSID)
    assert again.id != first
    assert again.status == "escalated"
    async with world.sessions() as session:
        old = await session.get(Conversation, first)
    assert old is not None
    assert old.status == "closed"
