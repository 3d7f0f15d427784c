"""While a person owns a conversation the bot is silent for every message kind on every platform, and the
customer's messages still reach the agent (stored, scored, on the live event log)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.handoff.conversation_states import RULE, transition
from storage.db import transaction
from storage.models import Conversation, LiveEvent, Message, utcnow
from tests.support.platforms import World, payload, payload_json

PSID = "2000000001"

KINDS = {
    "messenger": [
        "quick_reply.json",
        "postback.json",
        "attachments.json",
        "reply_to.json",
        "referral_ad.json",
    ],
    "whatsapp": ["button_reply.json", "list_reply.json", "image.json", "location.json", "sticker.json"],
    "groupme": ["command.json", "image.json", "reply.json"],
}
FIRST = {"messenger": "text.json", "whatsapp": "text.json", "groupme": "user_mention.json"}


def from_our_customer(platform: str, fixture: str) -> bytes:
    """The fixture, sent by the customer the conversation is with (Messenger fixtures vary the sender)."""
    if platform != "messenger":
        return payload(platform, fixture)
    body = payload_json(platform, fixture)
    for entry in body["entry"]:
        for event in entry.get("messaging", []):
            event["sender"]["id"] = PSID
    return json.dumps(body).encode()


def platform_calls(world: World) -> int:
    return len(world.graph.requests) + len(world.groupme.requests)


async def hand_to_a_person(world: World) -> None:
    async with transaction(world.sessions) as session:
        for conversation in (await session.scalars(select(Conversation))).all():
            await transition(session, conversation, "escalated", actor=RULE, now=utcnow(), reason="test")


@pytest.mark.parametrize("platform", ["messenger", "whatsapp", "groupme"])
async def test_the_bot_is_silent_for_every_message_kind_while_a_person_owns_the_conversation(
    world: World, platform: str
) -> None:
    assert (await world.post(platform, payload(platform, FIRST[platform]))).status == 200
    await world.settled()
    await hand_to_a_person(world)
    calls = platform_calls(world)

    for fixture in KINDS[platform]:
        assert (await world.post(platform, from_our_customer(platform, fixture))).status == 200
    await world.settled()

    assert platform_calls(world) == calls  # no reply, no typing indicator, no mark-as-read
    async with world.sessions() as session:
        silent = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.direction == "in", Message.route == "silent")
        )
        told = await session.scalar(
            select(func.count()).select_from(LiveEvent).where(LiveEvent.kind == "message")
        )
    assert silent == len(KINDS[platform])
    assert told == len(KINDS[platform])
