"""Whatever an agent's client sends to a route, the answer is a 2xx or a JSON 4xx, never a 500.

Hypothesis throws arbitrary JSON (NUL, lone surrogates, huge numbers included) and arbitrary bytes at every
POST route of a conversation the agent owns, and arbitrary query values and Last-Event-IDs at the reads.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from storage.db import transaction
from storage.models import Conversation
from tests.support.platforms import World
from tests.web.agent.desk import API, AgentClient, new_agent, waiting_customer
from tests.web.test_webhook_properties import FEWER, HEADER_TEXT, JSON_VALUES, ODD_TEXT

ACTIONS = ("claim", "reply", "notes", "resolve", "transfer", "release")
FIELDS = st.sampled_from(["text", "note", "version", "agent_id", "template_id"])
# Ids and versions beyond any column's range as often as plausible ones.
NUMBERS = st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([-1, 0, 1, 2**31, 2**63, 2**64])
BODIES = JSON_VALUES | st.dictionaries(FIELDS, NUMBERS | JSON_VALUES, max_size=3)
# What a URL query can carry (the client encodes it): no NUL, no lone surrogates.
QUERY_TEXT = ODD_TEXT.filter(lambda t: "\x00" not in t and not any(0xD800 <= ord(c) <= 0xDFFF for c in t))

# The examples of one test share its running world: the customer and the agent are made once per test.
_made: dict[str, tuple[World, int, AgentClient]] = {}


async def owned_conversation(world: World) -> tuple[int, AgentClient]:
    made = _made.get("last")
    if made is None or made[0] is not world:
        conversation = await waiting_customer(world)
        made = _made["last"] = (world, conversation, await new_agent(world, "Dana", capacity=1000))
    _, conversation, dana = made
    # Owned by the agent again whatever the last example did (resolved it, released it, moved it on).
    async with transaction(world.sessions) as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation)
            .values(status="transferred", assigned_agent_id=dana.id, version=Conversation.version + 1)
        )
    return conversation, dana


async def assert_json_refusal_or_success(response: Any) -> None:
    assert response.status < 500, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    if response.status >= 400:
        assert body["error"]["status"] == response.status
        assert body["error"]["message"]


@settings(FEWER, max_examples=150)
@given(action=st.sampled_from(ACTIONS), body=BODIES)
async def test_any_json_body_at_any_action_is_answered_sensibly(world: World, action: str, body: Any) -> None:
    conversation, dana = await owned_conversation(world)
    response = await world.client.post(
        f"{API}/conversations/{conversation}/{action}",
        data=json.dumps(body),
        headers=dana.headers(**{"Content-Type": "application/json"}),
    )
    await assert_json_refusal_or_success(response)


@FEWER
@given(
    action=st.sampled_from(ACTIONS),
    field=st.sampled_from(["version", "agent_id", "template_id"]),
    number=NUMBERS | st.floats() | st.booleans(),
)
async def test_any_number_as_an_id_or_version_is_answered_sensibly(
    world: World, action: str, field: str, number: object
) -> None:
    conversation, dana = await owned_conversation(world)
    body = {field: number, "text": "hello"} if action in ("reply", "notes") else {field: number}
    response = await world.client.post(
        f"{API}/conversations/{conversation}/{action}",
        data=json.dumps(body),
        headers=dana.headers(**{"Content-Type": "application/json"}),
    )
    await assert_json_refusal_or_success(response)


@FEWER
@given(action=st.sampled_from(ACTIONS), body=st.binary(max_size=200))
async def test_any_bytes_at_any_action_are_answered_sensibly(world: World, action: str, body: bytes) -> None:
    conversation, dana = await owned_conversation(world)
    response = await world.client.post(
        f"{API}/conversations/{conversation}/{action}", data=body, headers=dana.headers()
    )
    await assert_json_refusal_or_success(response)


@FEWER
@given(name=st.sampled_from(["before", "limit", "mine"]), value=QUERY_TEXT, last_event_id=HEADER_TEXT)
@example(name="limit", value="²", last_event_id="²")  # digits to str.isdigit(), not to int() (was a 500)
async def test_any_query_or_resume_point_at_the_reads_is_answered_sensibly(
    world: World, name: str, value: str, last_event_id: str
) -> None:
    conversation, dana = await owned_conversation(world)
    for path in (f"/conversations/{conversation}/messages", "/conversations"):
        response = await world.client.get(API + path, params={name: value}, headers=dana.headers())
        await assert_json_refusal_or_success(response)
    response = await world.client.get(
        API + "/events", headers=dana.headers(**{"Last-Event-ID": last_event_id})
    )
    if response.status == 200:
        response.close()  # an id (or none): the stream is open, which is a fine answer
    else:
        await assert_json_refusal_or_success(response)
