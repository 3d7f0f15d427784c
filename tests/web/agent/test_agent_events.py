"""The live event stream (SSE): what a console sees, and that it resumes without loss with Last-Event-ID,
after a reconnect and after the server restarts (events are read back from the database)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy import update

from adapters.meta import sign
from bot.app import create_app
from bot.handoff.conversation_states import SYSTEM, transition
from bot.web.agent import agent_stream
from bot.web.app_keys import RUNTIME
from storage import live_events
from storage.db import transaction
from storage.models import Agent, Conversation, utcnow
from tests.support.doubles import wait_until
from tests.support.platforms import APP_SECRET, World
from tests.web.agent.desk import (
    API,
    AgentClient,
    EventStream,
    messenger_text,
    new_agent,
    other_tenant,
    waiting_customer,
)

OTHER = "2000000002"


async def note(agent: AgentClient, conversation: int, text: str) -> int:
    answer = await agent.post(f"/conversations/{conversation}/notes", {"text": text})
    assert answer.status == 201
    return int(answer.body["note"]["id"])


async def test_a_console_sees_claims_notes_replies_and_customer_messages_live(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    stream = await dana.events()

    await dana.post(f"/conversations/{conversation}/claim")
    await note(agent=dana, conversation=conversation, text="regular customer")
    await dana.post(f"/conversations/{conversation}/reply", {"text": "Hello from Dana"})
    assert (await world.post("messenger", messenger_text("thanks Dana!"))).status == 200

    claimed, noted, replied, customer = await stream.take(4)
    stream.close()
    assert (claimed.kind, claimed.data["to"], claimed.data["agent_id"]) == ("claim", "transferred", dana.id)
    assert (noted.kind, noted.data["text"], noted.data["agent"]) == ("note", "regular customer", "Dana")
    assert (replied.kind, replied.data["role"], replied.data["text"]) == (
        "message",
        "agent",
        "Hello from Dana",
    )
    assert (customer.kind, customer.data["role"], customer.data["text"]) == (
        "message",
        "user",
        "thanks Dana!",
    )
    assert {e.data["conversation_id"] for e in (claimed, noted, replied, customer)} == {conversation}
    assert claimed.id < noted.id < replied.id < customer.id


async def test_a_fresh_connection_starts_at_the_newest_event(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    await note(dana, conversation, "before the console opened")

    stream = await dana.events()
    await note(dana, conversation, "after")
    first = await stream.next()
    stream.close()

    assert first.data["text"] == "after"


async def test_the_stream_resumes_without_loss_after_a_reconnect(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    stream = await dana.events()
    await note(dana, conversation, "one")
    await note(dana, conversation, "two")
    seen = await stream.take(2)
    stream.close()

    # While the console is away: a note, a claim, and a change made by another process (the system).
    await note(dana, conversation, "three")
    await dana.post(f"/conversations/{conversation}/claim")
    async with transaction(world.sessions) as session:
        row = await session.get(Conversation, conversation)
        assert row is not None
        await transition(session, row, "resolved", actor=SYSTEM, now=utcnow(), reason="elsewhere")

    resumed = await dana.events(last_event_id=seen[-1].id)
    missed = await resumed.take(3)
    await note(dana, conversation, "four")
    live = await resumed.next()
    resumed.close()

    assert [e.data["text"] for e in seen] == ["one", "two"]
    assert [(e.kind, e.data.get("text") or e.data.get("to")) for e in missed] == [
        ("note", "three"),
        ("claim", "transferred"),
        ("status", "resolved"),
    ]
    assert live.data["text"] == "four"
    ids = [e.id for e in (*seen, *missed, live)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


async def test_the_stream_resumes_without_loss_after_a_server_restart(
    world: World, aiohttp_client: AiohttpClient
) -> None:
    settings = world.client.app[RUNTIME].settings
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    stream = await dana.events()
    await note(dana, conversation, "before the restart")
    (seen,) = await stream.take(1)

    # The server stops (its open stream ends with it) and a new one starts on the same database.
    await world.client.close()
    restarted = await aiohttp_client(create_app(settings))
    dana = dana.using(restarted)
    await note(dana, conversation, "while the console was away")
    body = messenger_text("hello? is anyone there?")
    answer = await restarted.post(
        f"/webhooks/messenger/{world.keys['messenger']}",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
    )
    assert answer.status == 200

    resumed = await dana.events(last_event_id=seen.id)
    missed = await resumed.take(2)
    resumed.close()
    stream.close()

    assert seen.data["text"] == "before the restart"
    assert [(e.kind, e.data["text"]) for e in missed] == [
        ("note", "while the console was away"),
        ("message", "hello? is anyone there?"),
    ]


async def test_the_resume_point_may_be_given_in_the_query(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    stream = await dana.events()
    await note(dana, conversation, "one")
    (one,) = await stream.take(1)
    stream.close()
    await note(dana, conversation, "two")

    response = await world.client.get(
        API + "/events", params={"last_event_id": str(one.id)}, headers=dana.headers()
    )
    resumed = EventStream(response)
    two = await resumed.next()
    resumed.close()
    assert two.data["text"] == "two"
    bad = await world.client.get(API + "/events", headers=dana.headers(**{"Last-Event-ID": "yesterday"}))
    assert bad.status == 400


async def test_a_console_sees_only_its_own_tenants_events(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    stranger_tenant = await other_tenant(world)
    stranger = await new_agent(world, "Sam", tenant_id=stranger_tenant)
    stream = await stranger.events()

    await note(dana, conversation, "demo tenant only")
    async with transaction(world.sessions) as session:
        await live_events.publish(
            session,
            tenant_id=stranger_tenant,
            kind="queue",
            conversation_id=None,
            payload={"n": 1},
            now=utcnow(),
        )

    first = await stream.next()
    stream.close()
    assert (first.kind, first.data) == ("queue", {"n": 1, "conversation_id": None})


async def test_an_open_console_keeps_its_agent_available(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agent_stream, "HEARTBEAT_SECONDS", 0.1)
    dana = await new_agent(world, "Dana")
    sam = await new_agent(world, "Sam")
    stream = await dana.events()
    # Dana's last API call was long ago: only the open console can make her available again.
    async with transaction(world.sessions) as session:
        await session.execute(
            update(Agent).where(Agent.id == dana.id).values(last_seen_at=utcnow() - timedelta(minutes=10))
        )

    async def dana_available() -> bool:
        team = {a["name"]: a["available"] for a in (await sam.get("/agents")).body["agents"]}
        return team["Dana"]

    await wait_until(dana_available)
    await note(sam, await waiting_customer(world), "a heartbeat comes with the next event at the latest")
    await stream.next()
    stream.close()
    assert "heartbeat" in stream.comments
