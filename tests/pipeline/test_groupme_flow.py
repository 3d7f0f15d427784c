"""GroupMe end to end: people talk in the group, the bot answers when addressed, posts reach FakeGroupMe."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.tenancy.demo.content import DEMO_COMMANDS
from storage import knowledge
from storage.db import transaction
from storage.models import Conversation, Customer, Group, GroupMember, InboundEvent, Message
from tests.support.platforms import GROUPME_BOT, GROUPME_GROUP, World, payload, payload_json

PRICE_LIST = next(c.response for c in DEMO_COMMANDS if c.command == "!price")


async def count(world: World, model: type, *where: object) -> int:
    async with world.sessions() as session:
        query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(await session.scalar(query) or 0)


async def messages(world: World, role: str) -> list[Message]:
    async with world.sessions() as session:
        rows = await session.scalars(select(Message).where(Message.role == role).order_by(Message.id))
        return list(rows.all())


def says(text: str, *, message_id: str, sender: str = "12345", name: str = "Ana") -> bytes:
    """A group member's message as GroupMe's callback delivers it."""
    body = payload_json("groupme", "user_text.json")
    body.update(
        id=message_id,
        text=text,
        sender_id=sender,
        user_id=sender,
        name=name,
        source_guid=f"guid-{message_id}",
    )
    return json.dumps(body).encode()


async def test_a_message_naming_the_bot_is_answered_as_the_channels_bot(world: World) -> None:
    body = says("Brewbot, what time do you open on sunday?", message_id="171800000012360")
    response = await world.post("groupme", body)
    assert response.status == 200
    await world.settled()

    (post,) = world.groupme.posts
    (reply,) = await messages(world, "assistant")
    assert post["bot_id"] == GROUPME_BOT
    assert post["text"] == reply.text
    assert post["text"]
    assert post["source_guid"]
    assert reply.status == "sent"
    (question,) = await messages(world, "user")
    assert question.text == "Brewbot, what time do you open on sunday?"


async def test_an_at_mention_among_others_is_answered(world: World) -> None:
    await world.post("groupme", payload("groupme", "user_mention.json"))
    await world.settled()
    assert len(world.groupme.posts) == 1


async def test_the_price_command_posts_the_price_list(world: World) -> None:
    await world.post("groupme", payload("groupme", "command.json"))  # "!price flat white"
    await world.settled()
    (post,) = world.groupme.posts
    assert post["bot_id"] == GROUPME_BOT
    assert post["text"] == PRICE_LIST
    (reply,) = await messages(world, "assistant")
    assert reply.route == "command"


async def test_a_message_not_for_the_bot_is_stored_but_not_answered(world: World) -> None:
    await world.post("groupme", payload("groupme", "user_text.json"))  # "what time do you open on sunday?"
    await world.settled()

    assert world.groupme.requests == []
    (said,) = await messages(world, "user")
    assert (said.text, said.route, said.platform_message_id) == (
        "what time do you open on sunday?",
        "silent",
        "171800000012345",
    )
    assert await messages(world, "assistant") == []
    async with world.sessions() as session:
        (group,) = (await session.scalars(select(Group))).all()
        (member,) = (await session.scalars(select(GroupMember))).all()
        (customer,) = (await session.scalars(select(Customer))).all()
        (conversation,) = (await session.scalars(select(Conversation))).all()
    assert (group.platform_group_id, group.message_count) == (GROUPME_GROUP, 1)
    assert (member.platform_user_id, member.username, member.message_count) == ("12345", "Ana", 1)
    assert member.engagement_score == pytest.approx(1.0)
    assert member.group_id == group.id
    assert member.customer_id == customer.id == said.customer_id
    assert conversation.group_id == group.id
    assert conversation.message_count == 1


@pytest.mark.parametrize("fixture", ["bot_echo.json", "system.json"])
async def test_the_bots_own_post_and_system_messages_are_neither_answered_nor_stored(
    world: World, fixture: str
) -> None:
    response = await world.post("groupme", payload("groupme", fixture))
    assert response.status == 200
    await world.settled()
    assert world.groupme.requests == []
    assert await count(world, Message) == 0
    assert await count(world, GroupMember) == 0
    assert await count(world, InboundEvent) == 1  # acknowledged, so GroupMe does not resend it


async def test_group_and_member_counts_grow_with_every_message(world: World) -> None:
    lines = [
        ("Ana", "12345", "morning all"),
        ("Ben", "67890", "hey Brewbot, do you sell oat milk?"),
        ("Ana", "12345", "see you later"),
        ("Ana", "12345", "!hours"),
    ]
    history = []
    for number, (name, sender, text) in enumerate(lines):
        await world.post(
            "groupme", says(text, message_id=f"17180000001240{number}", sender=sender, name=name)
        )
        await world.settled()
        async with world.sessions() as session:
            group = await session.scalar(select(Group))
            ana = await session.scalar(select(GroupMember).where(GroupMember.platform_user_id == "12345"))
        assert group is not None
        assert ana is not None
        history.append((group.message_count, ana.message_count, ana.engagement_score))

    assert [(g, a) for g, a, _ in history] == [(1, 1), (2, 1), (3, 2), (4, 3)]
    scores = [score for _, _, score in history]
    assert scores[0] < scores[2] < scores[3]
    async with world.sessions() as session:
        ben = await session.scalar(select(GroupMember).where(GroupMember.platform_user_id == "67890"))
    assert ben is not None
    assert (ben.username, ben.message_count) == ("Ben", 1)
    # Only Ben's question and the command were for the bot.
    assert len(world.groupme.posts) == 2


async def test_a_message_from_another_group_is_refused_and_stores_nothing(world: World) -> None:
    response = await world.post("groupme", payload("groupme", "wrong_group.json"))
    assert response.status == 401
    assert (await response.json())["error"]["message"]
    await world.settled()
    assert await count(world, InboundEvent) == 0
    assert await count(world, Message) == 0
    assert await count(world, Group) == 0
    assert world.groupme.requests == []


@pytest.mark.parametrize(
    "fixture",
    ["malformed_not_json.txt", "malformed_array.json", "malformed_missing_group_id.json",
     "malformed_created_at_string.json"],
)  # fmt: skip
async def test_a_malformed_callback_is_a_json_400_and_stores_nothing(world: World, fixture: str) -> None:
    response = await world.post("groupme", payload("groupme", fixture))
    assert response.status == 400
    assert response.content_type == "application/json"
    assert (await response.json())["error"]["message"]
    assert await count(world, InboundEvent) == 0


def roastery_story() -> str:
    """About 2,500 characters in numbered sentences, so the order of the posts can be checked."""
    sentences = [
        f"Chapter {n:02d}: our roastery story goes on with beans, fire, patience and good friends."
        for n in range(1, 31)
    ]
    return " ".join(sentences)


async def test_a_long_answer_is_split_into_posts_of_at_most_1000_characters_in_order(world: World) -> None:
    story = roastery_story()
    assert 2400 <= len(story) <= 2700
    async with transaction(world.sessions) as session:
        knowledge.add_entry(
            session,
            tenant_id=world.tenant_id,
            question="What is the story of the roastery?",
            answer=story,
            keywords=["roastery", "story", "history"],
            category="about",
        )

    await world.post(
        "groupme", says("Brewbot what is the story of the roastery?", message_id="1718000000124")
    )
    await world.settled()

    posts = world.groupme.posts
    assert len(posts) == 3
    assert all(len(p["text"]) <= 1000 for p in posts)
    assert " ".join(p["text"] for p in posts) == story
    assert len({p["source_guid"] for p in posts}) == 3
    assert {p["bot_id"] for p in posts} == {GROUPME_BOT}
    (reply,) = await messages(world, "assistant")
    assert (reply.route, reply.status, reply.text) == ("knowledge", "sent", story)


async def test_a_503_from_groupme_is_retried_and_posted_once(world: World) -> None:
    world.groupme.fail_next(503)
    await world.post("groupme", payload("groupme", "command.json"))
    await world.settled()
    assert len(world.groupme.requests) == 2  # refused once, then accepted: no second copy was sent
    (post,) = world.groupme.posts
    assert post["text"] == PRICE_LIST
    (reply,) = await messages(world, "assistant")
    assert reply.status == "sent"
