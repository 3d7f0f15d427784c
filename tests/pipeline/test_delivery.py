"""Delivery, honestly: at least once to Meta, never resent for our own bookkeeping, reconciled from echoes.

The customer writes on Messenger or WhatsApp; the fake Graph API accepts the reply but can be slow,
lose its answer, or hand back an id we already know. What the customer receives is counted at the
fake platform.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.config import Settings
from storage.models import KnowledgeEntry, Message, MessagePart, OutboxItem
from tests.conftest import requires_postgres
from tests.support.doubles import wait_until
from tests.support.platforms import PAGE_ID, World, payload, payload_json

PSID = "2000000001"  # the Messenger customer of messenger/text.json
WA_ID = "15551234567"  # the WhatsApp customer of whatsapp/text.json


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A short lease, and retries slow enough for a platform's echo or status to arrive in between, even
    # on a loaded machine (at 1 s a resend once beat the status under CI load).
    return settings.model_copy(update={"lease_seconds": 1.0, "retry_base_seconds": 3.0})


def messenger_text(mid: str, text: str) -> bytes:
    body = copy.deepcopy(payload_json("messenger", "text.json"))
    message = body["entry"][0]["messaging"][0]["message"]
    message.update({"mid": mid, "text": text})
    return json.dumps(body).encode()


def messenger_echo(mid: str, text: str, *, app_id: int = 263902037430900) -> bytes:
    """What Meta sends back for a message the page sent: from the page, to the customer."""
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": PAGE_ID,
                    "time": 1718000700300,
                    "messaging": [
                        {
                            "sender": {"id": PAGE_ID},
                            "recipient": {"id": PSID},
                            "timestamp": 1718000700200,
                            "message": {"is_echo": True, "app_id": app_id, "mid": mid, "text": text},
                        }
                    ],
                }
            ],
        }
    ).encode()


def whatsapp_status(wamid: str, state: str) -> bytes:
    body = copy.deepcopy(payload_json("whatsapp", "status_sent.json"))
    for change in body["entry"][0]["changes"]:
        for status in change["value"]["statuses"]:
            status.update({"id": wamid, "status": state})
    return json.dumps(body).encode()


async def rows(world: World, model: type, *where: Any) -> list[Any]:
    async with world.sessions() as session:
        return list((await session.scalars(select(model).where(*where).order_by(model.id))).all())  # type: ignore[attr-defined]


async def count(world: World, model: type, *where: Any) -> int:
    async with world.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def sends(world: World, recipient: str) -> list[dict[str, Any]]:
    return world.graph.sent_to(recipient)


async def test_a_send_slower_than_the_lease_reaches_the_platform_once(world: World) -> None:
    world.graph.delay_next_send(2.5)  # 2.5 s against a 1 s lease
    assert (await world.post("messenger", payload("messenger", "text.json"))).status == 200
    await world.settled()
    assert len(sends(world, PSID)) == 1
    (reply,) = await rows(world, Message, Message.role == "assistant")
    assert (reply.status, reply.platform_message_id) == ("sent", world.graph.message_ids[0])


async def test_an_id_we_already_know_never_causes_a_resend(world: World) -> None:
    # The platform answers our reply with the id of the customer's own message, which is stored already.
    world.graph.give_next_id("m_text_0001")
    assert (await world.post("messenger", payload("messenger", "text.json"))).status == 200
    await world.settled()
    assert (await world.post("messenger", messenger_text("m_text_0002", "and on Monday?"))).status == 200
    await world.settled()

    assert len(sends(world, PSID)) == 2  # one reply to each message, nothing repeated
    replies = await rows(world, Message, Message.role == "assistant")
    assert [r.status for r in replies] == ["sent", "sent"]
    assert replies[0].platform_message_id is None  # the clashing id is left off, not fought over
    outbox = await rows(world, OutboxItem)
    assert [(o.status, o.attempts) for o in outbox] == [("sent", 1), ("sent", 1)]


async def test_an_id_given_to_two_replies_stays_with_the_first(world: World) -> None:
    world.graph.give_next_id("m_reused")
    world.graph.give_next_id("m_reused")
    assert (await world.post("messenger", payload("messenger", "text.json"))).status == 200
    await world.settled()
    assert (await world.post("messenger", messenger_text("m_text_0002", "and on Monday?"))).status == 200
    await world.settled()

    assert len(sends(world, PSID)) == 2
    replies = await rows(world, Message, Message.role == "assistant")
    assert [(r.status, r.platform_message_id) for r in replies] == [("sent", "m_reused"), ("sent", None)]
    parts = await rows(world, MessagePart)
    assert [p.platform_message_id for p in parts] == ["m_reused", None]
    outbox = await rows(world, OutboxItem)
    assert [(o.status, o.attempts) for o in outbox] == [("sent", 1), ("sent", 1)]


@requires_postgres
async def test_an_id_recorded_elsewhere_at_the_same_moment_is_left_off_without_a_resend(
    world: World, settings: Settings
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite writes one transaction at a time: nothing can record the id meanwhile")
    assert (await world.post("messenger", payload("messenger", "text.json"))).status == 200
    await world.settled()
    (first,) = await rows(world, Message, Message.role == "assistant")
    # Another transaction records the id the platform is about to give our next reply, and commits
    # only once our reply's progress is waiting on it: the reply's own check could not see it.
    async with world.sessions() as elsewhere, elsewhere.begin():
        elsewhere.add(
            Message(
                tenant_id=first.tenant_id,
                conversation_id=first.conversation_id,
                channel_id=first.channel_id,
                role="agent",
                direction="out",
                status="sent",
                text="written from another inbox",
                platform_message_id="m_race",
            )
        )
        await elsewhere.flush()
        world.graph.give_next_id("m_race")
        assert (await world.post("messenger", messenger_text("m_text_0002", "and on Monday?"))).status == 200
        await wait_until(lambda: _waiting_on_a_lock(world))
    await world.settled()

    assert len(sends(world, PSID)) == 2
    replies = await rows(world, Message, Message.role == "assistant")
    assert [(r.status, r.platform_message_id) for r in replies] == [
        ("sent", world.graph.message_ids[0]),
        ("sent", None),
    ]
    parts = await rows(world, MessagePart)
    assert [p.platform_message_id for p in parts] == [world.graph.message_ids[0], None]
    outbox = await rows(world, OutboxItem)
    assert [(o.status, o.attempts) for o in outbox] == [("sent", 1), ("sent", 1)]


async def test_a_lost_answer_is_not_resent_when_the_echo_shows_it_arrived(world: World) -> None:
    world.graph.lose_next_answers(1)
    assert (await world.post("messenger", payload("messenger", "text.json"))).status == 200
    await wait_until(lambda: _has_sent(world, 1))
    # The send's answer is lost; Meta's echo of it (our app, our text) arrives before the retry.
    text = sends(world, PSID)[0]["message"]["text"]
    echo = messenger_echo(world.graph.message_ids[0], text)
    assert (await world.post("messenger", echo)).status == 200
    await world.settled()

    assert len(sends(world, PSID)) == 1
    (reply,) = await rows(world, Message, Message.role == "assistant")
    assert (reply.status, reply.platform_message_id) == ("sent", world.graph.message_ids[0])
    assert await count(world, Message, Message.role == "agent") == 0  # the echo is ours, not a human's


async def test_a_lost_answer_without_any_news_is_sent_again(world: World) -> None:
    world.graph.lose_next_answers(1)
    assert (await world.post("messenger", payload("messenger", "text.json"))).status == 200
    await world.settled()
    # At least once: Meta takes no idempotency key, so without an echo or status the reply goes again.
    assert len(sends(world, PSID)) == 2
    (reply,) = await rows(world, Message, Message.role == "assistant")
    assert (reply.status, reply.platform_message_id) == ("sent", world.graph.message_ids[1])


async def test_a_whatsapp_status_for_a_lost_answer_stops_the_resend(world: World) -> None:
    world.graph.lose_next_answers(1)
    assert (await world.post("whatsapp", payload("whatsapp", "text.json"))).status == 200
    await wait_until(lambda: _has_sent(world, 1))
    # The Cloud API reports the message we never got an id for.
    status = whatsapp_status(world.graph.message_ids[0], "delivered")
    await wait_until(lambda: _part_unconfirmed(world))
    assert (await world.post("whatsapp", status)).status == 200
    await world.settled()

    assert len(sends(world, WA_ID)) == 1
    (reply,) = await rows(world, Message, Message.role == "assistant")
    assert reply.platform_message_id == world.graph.message_ids[0]
    assert reply.status == "delivered"


async def test_every_part_of_a_long_reply_is_recorded_and_its_echoes_are_ours(world: World) -> None:
    async with world.sessions.begin() as session:
        entry = await session.scalar(
            select(KnowledgeEntry).where(KnowledgeEntry.question.ilike("%opening hours%"))
        )
        assert entry is not None
        entry.answer = " ".join(f"Sunday opening hours detail {n}." for n in range(200))  # ~6,000 chars
    assert (
        await world.post("messenger", messenger_text("m_long", "what are your opening hours?"))
    ).status == 200
    await world.settled()
    parts = sends(world, PSID)
    assert len(parts) >= 3
    recorded = await rows(world, MessagePart)
    assert [p.platform_message_id for p in recorded] == world.graph.message_ids
    for part, mid in zip(parts, world.graph.message_ids, strict=True):
        assert (await world.post("messenger", messenger_echo(mid, part["message"]["text"]))).status == 200
    await world.settled()
    assert await count(world, Message, Message.role == "agent") == 0
    (reply,) = await rows(world, Message, Message.role == "assistant")
    assert reply.platform_message_id == world.graph.message_ids[0]


async def test_an_echo_of_a_person_writing_from_the_page_inbox_is_an_agent_message(world: World) -> None:
    assert (await world.post("messenger", payload("messenger", "text.json"))).status == 200
    await world.settled()
    person = messenger_echo("m_from_inbox", "A colleague will call you back today.", app_id=111)
    assert (await world.post("messenger", person)).status == 200
    await world.settled()
    (agent,) = await rows(world, Message, Message.role == "agent")
    assert (agent.text, agent.platform_message_id) == (
        "A colleague will call you back today.",
        "m_from_inbox",
    )


async def _has_sent(world: World, n: int) -> bool:
    return len(world.graph.sent) >= n


async def _waiting_on_a_lock(world: World) -> bool:
    async with world.sessions() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def _part_unconfirmed(world: World) -> bool:
    return await count(world, MessagePart, MessagePart.unconfirmed.is_(True)) == 1
