"""What an agent does, seen from the customer's side (the fake platform APIs) and from the API's answers:
claim, reply (through the outbox, with the window rules), notes, canned replies, resolve, release,
transfer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.web.app_keys import RUNTIME
from storage.config_versions import bump_config_versions
from storage.db import transaction
from storage.models import Channel, ConversationEvent, Handoff, Message
from tests.support.platforms import World
from tests.web.agent.desk import (
    PSID,
    WA_ID,
    conversation_of,
    customer_says,
    customer_went_quiet,
    message_sends,
    new_agent,
    waiting_customer,
)

OTHER = "2000000002"


async def agent_messages(world: World) -> list[Message]:
    async with world.sessions() as session:
        rows = await session.scalars(select(Message).where(Message.role == "agent").order_by(Message.id))
        return list(rows.all())


async def test_a_claim_makes_the_agent_the_owner_and_a_second_claim_names_it(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    sam = await new_agent(world, "Sam")

    claimed = await dana.post(f"/conversations/{conversation}/claim")
    assert claimed.status == 200
    assert claimed.body["status"] == "transferred"
    assert claimed.body["assigned_agent"] == {"id": dana.id, "name": "Dana"}
    again = await dana.post(f"/conversations/{conversation}/claim")
    assert again.status == 200  # one's own claim again changes nothing

    refused = await sam.post(f"/conversations/{conversation}/claim")
    assert refused.status == 409
    assert refused.error == "already claimed by Dana"
    async with world.sessions() as session:
        audit = (await session.scalars(select(ConversationEvent).order_by(ConversationEvent.id))).all()
        handoff = await session.scalar(select(Handoff))
    assert [(e.to_status, e.actor, e.agent_id) for e in audit][-1] == ("transferred", "agent", dana.id)
    assert sum(1 for e in audit if e.to_status == "transferred") == 1
    assert handoff is not None
    assert (handoff.agent_id, handoff.accepted_at is not None) == (dana.id, True)


async def test_a_claim_with_a_stale_version_is_refused(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    version = (await dana.get(f"/conversations/{conversation}")).body["version"]

    refused = await dana.post(f"/conversations/{conversation}/claim", {"version": version - 1})
    assert refused.status == 409
    assert "changed since you saw it" in refused.error
    assert (await dana.post(f"/conversations/{conversation}/claim", {"version": version})).status == 200


async def test_an_agent_at_capacity_cannot_claim_more(world: World) -> None:
    first = await waiting_customer(world, sender=PSID)
    second = await waiting_customer(world, sender=OTHER)
    dana = await new_agent(world, "Dana", capacity=1)

    assert (await dana.post(f"/conversations/{first}/claim")).status == 200
    refused = await dana.post(f"/conversations/{second}/claim")

    assert refused.status == 409
    assert refused.error == "you are at capacity (1 of 1 open conversations)"
    assert [c["id"] for c in (await dana.get("/queue")).body["conversations"]] == [second]


async def test_an_agents_reply_reaches_the_customer_and_is_stored_as_the_agents(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    await dana.post(f"/conversations/{conversation}/claim")

    answer = await dana.post(
        f"/conversations/{conversation}/reply", {"text": "Hi, I'm Dana - how can I help?"}
    )
    await world.settled()

    assert answer.status == 201
    assert answer.body["message"]["role"] == "agent"
    assert answer.body["message"]["agent_id"] == dana.id
    last = world.graph.sent_to(PSID)[-1]
    assert last["message"] == {"text": "Hi, I'm Dana - how can I help?"}
    assert last["messaging_type"] == "RESPONSE"
    (stored,) = await agent_messages(world)
    assert (stored.agent_id, stored.direction, stored.status) == (dana.id, "out", "sent")


async def test_a_reply_three_days_later_goes_out_with_the_human_agent_tag(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    await dana.post(f"/conversations/{conversation}/claim")
    await customer_went_quiet(world, PSID, timedelta(days=3))

    answer = await dana.post(f"/conversations/{conversation}/reply", {"text": "Sorry for the wait!"})
    await world.settled()

    assert answer.status == 201
    assert world.graph.sent_to(PSID)[-1] == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Sorry for the wait!"},
    }


async def test_a_long_reply_is_split_at_the_platform_limit_like_the_bots(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    await dana.post(f"/conversations/{conversation}/claim")
    before = len(world.graph.sent_to(PSID))
    text = " ".join(f"word{n}" for n in range(700))  # about 5,000 characters; Messenger takes 2,000

    assert (await dana.post(f"/conversations/{conversation}/reply", {"text": text})).status == 201
    await world.settled()

    parts = [body["message"]["text"] for body in world.graph.sent_to(PSID)[before:]]
    assert len(parts) == 3
    assert all(len(part) <= 2000 for part in parts)
    assert " ".join(parts) == text


async def test_a_whatsapp_reply_outside_24_hours_without_a_template_is_a_409(world: World) -> None:
    conversation = await waiting_customer(world, "whatsapp")
    dana = await new_agent(world, "Dana")
    await dana.post(f"/conversations/{conversation}/claim")
    await customer_went_quiet(world, WA_ID, timedelta(hours=25))
    before = message_sends(world)

    refused = await dana.post(f"/conversations/{conversation}/reply", {"text": "Your beans are ready."})
    await world.settled()

    assert refused.status == 409
    assert refused.error.startswith("the 24-hour window is closed: send a template")
    assert message_sends(world) == before
    assert await agent_messages(world) == []

    async with transaction(world.sessions) as session:
        await session.execute(
            update(Channel)
            .where(Channel.platform == "whatsapp")
            .values(settings={"window_template": "order_ready"})
        )
        await bump_config_versions(session, None)
    accepted = await dana.post(f"/conversations/{conversation}/reply", {"text": "Your beans are ready."})
    await world.settled()
    assert accepted.status == 201
    assert world.graph.sent_to(WA_ID)[-1]["template"]["name"] == "order_ready"


async def test_replies_need_the_conversation_claimed_by_the_agent_and_open(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    sam = await new_agent(world, "Sam", role="admin")
    reply = f"/conversations/{conversation}/reply"

    unclaimed = await dana.post(reply, {"text": "hello"})
    assert (unclaimed.status, unclaimed.error) == (
        409,
        "the conversation is escalated: claim it before you reply",
    )
    await dana.post(f"/conversations/{conversation}/claim")
    not_mine = await sam.post(reply, {"text": "hello"})
    assert (not_mine.status, not_mine.error) == (409, "the conversation is claimed by Dana")
    assert (await dana.post(f"/conversations/{conversation}/resolve", {"note": "sorted"})).status == 200
    resolved = await dana.post(reply, {"text": "one more thing"})
    assert (resolved.status, resolved.error) == (
        409,
        "the conversation is resolved: it takes no more replies",
    )
    assert await agent_messages(world) == []
    for body in [{}, {"text": "  "}, {"text": "a", "template_id": 1}, {"text": 5}, {"template_id": "x"}]:
        assert (await dana.post(reply, body)).status in (400, 409), body


async def test_a_note_is_kept_for_agents_and_never_sent(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    sends = message_sends(world)

    answer = await dana.post(f"/conversations/{conversation}/notes", {"text": "VIP - wholesale account"})
    await world.settled()

    assert answer.status == 201
    assert message_sends(world) == sends
    notes = (await dana.get(f"/conversations/{conversation}")).body["notes"]
    assert [(n["agent"]["name"], n["text"]) for n in notes] == [("Dana", "VIP - wholesale account")]
    transcript = (await dana.get(f"/conversations/{conversation}/messages")).body["messages"]
    assert all(m["text"] != "VIP - wholesale account" for m in transcript)
    assert (await dana.post(f"/conversations/{conversation}/notes", {"text": ""})).status == 400


async def test_a_canned_reply_fills_in_the_customer(world: World) -> None:
    conversation = await waiting_customer(world, "whatsapp")  # Ana Souza
    dana = await new_agent(world, "Dana")
    await dana.post(f"/conversations/{conversation}/claim")
    templates = {
        t["name"]: t["id"] for t in (await dana.get(f"/conversations/{conversation}")).body["templates"]
    }

    answer = await dana.post(f"/conversations/{conversation}/reply", {"template_id": templates["goodbye"]})
    await world.settled()

    assert answer.status == 201
    assert world.graph.sent_to(WA_ID)[-1]["text"]["body"] == "Bye for now, Ana - enjoy your next cup!"
    missing = await dana.post(f"/conversations/{conversation}/reply", {"template_id": 99999})
    assert (missing.status, missing.error) == (404, "no template 99999")


async def test_resolve_records_the_note_and_ends_the_handoff(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    await dana.post(f"/conversations/{conversation}/claim")

    resolved = await dana.post(f"/conversations/{conversation}/resolve", {"note": "refund issued"})

    assert resolved.status == 200
    assert resolved.body["status"] == "resolved"
    assert resolved.body["handoff"]["notes"] == "refund issued"
    assert resolved.body["handoff"]["resolved_at"] is not None
    async with world.sessions() as session:
        handoff = await session.scalar(select(Handoff))
    assert handoff is not None
    assert (handoff.notes, handoff.agent_id, handoff.resolved_at is not None) == (
        "refund issued",
        dana.id,
        True,
    )
    again = await dana.post(f"/conversations/{conversation}/resolve", {"note": "twice"})
    assert again.status == 409


async def test_release_hands_the_conversation_back_to_the_bot(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    sam = await new_agent(world, "Sam")
    await dana.post(f"/conversations/{conversation}/claim")
    assert (await sam.post(f"/conversations/{conversation}/release")).status == 409  # not Sam's

    released = await dana.post(f"/conversations/{conversation}/release")
    assert released.status == 200
    assert (released.body["status"], released.body["assigned_agent"]) == ("bot_active", None)

    before = len(world.graph.sent_to(PSID))
    await customer_says(world, "messenger", "thank you")
    assert len(world.graph.sent_to(PSID)) == before + 1  # the bot answers again
    assert (await conversation_of(world, PSID)).status == "bot_active"


async def test_transfer_gives_the_conversation_to_a_colleague_with_room(world: World) -> None:
    first = await waiting_customer(world, sender=PSID)
    second = await waiting_customer(world, sender=OTHER)
    dana = await new_agent(world, "Dana")
    sam = await new_agent(world, "Sam", capacity=1)
    await dana.post(f"/conversations/{first}/claim")
    await dana.post(f"/conversations/{second}/claim")

    moved = await dana.post(f"/conversations/{first}/transfer", {"agent_id": sam.id})
    assert moved.status == 200
    assert moved.body["assigned_agent"] == {"id": sam.id, "name": "Sam"}
    assert [c["id"] for c in (await sam.get("/conversations", mine="1")).body["conversations"]] == [first]

    full = await dana.post(f"/conversations/{second}/transfer", {"agent_id": sam.id})
    assert (full.status, full.error) == (409, "Sam is at capacity (1 of 1 open conversations)")
    unknown = await dana.post(f"/conversations/{second}/transfer", {"agent_id": 99999})
    assert (unknown.status, unknown.error) == (404, "no agent 99999")
    # Only the owner (or an admin) moves a conversation on.
    assert (await dana.post(f"/conversations/{first}/transfer", {"agent_id": dana.id})).status == 409
    assert (await sam.post(f"/conversations/{first}/reply", {"text": "Sam here"})).status == 201


async def test_a_reply_the_platform_refuses_is_a_visible_failure_on_the_live_stream(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    await dana.post(f"/conversations/{conversation}/claim")
    stream = await dana.events()
    world.graph.fail_next(
        code=10, subcode=2018278, message="(#10) This message is sent outside of allowed window."
    )

    answer = await dana.post(f"/conversations/{conversation}/reply", {"text": "Are you still there?"})
    world.client.app[RUNTIME].sender.wake()
    failure = await stream.until("failure")
    stream.close()

    assert failure.data["message_id"] == answer.body["message"]["id"]
    assert failure.data["conversation_id"] == conversation
    assert failure.data["reason"] == "window_closed"
    transcript = (await dana.get(f"/conversations/{conversation}/messages")).body["messages"]
    assert (transcript[0]["status"], transcript[0]["failure_reason"]) == ("failed", "window_closed")
