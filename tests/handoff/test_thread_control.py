"""Messenger's Handover Protocol mirrors who owns a conversation when the page uses an inbox app: the
thread is passed to the inbox app on a handoff (after the handoff message) and taken back when an agent
here claims or resolves it (before the agent's reply); channels without an inbox app make no such call."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from bot.errors import AdminError
from bot.security import CredentialBox
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from storage.db import transaction
from storage.models import Channel, Message, Tenant
from tests.support.platforms import World, payload_json
from tests.web.agent.desk import PSID, conversation_of, customer_says, new_agent, waiting_customer

INBOX_APP = "263902037430900"
OUR_APP = "1517776481860111"


async def with_inbox_app(world: World) -> None:
    async with transaction(world.sessions) as session:
        channel = await session.scalar(select(Channel).where(Channel.platform == "messenger"))
        assert channel is not None
        channel.settings = {**channel.settings, "inbox_app_id": INBOX_APP}


def calls(world: World) -> list[str]:
    """What reached the fake Graph API for the customer, in order: texts and thread control calls."""
    seen = []
    for request in world.graph.requests:
        body = request.json if isinstance(request.json, dict) else {}
        if request.path.endswith("_thread_control"):
            seen.append(request.path.rsplit("/", 1)[-1])
        elif "message" in body and body.get("recipient", {}).get("id") == PSID:
            seen.append("message")
    return seen


async def test_a_handoff_passes_the_thread_after_the_handoff_message_and_a_claim_takes_it_back(
    world: World,
) -> None:
    await with_inbox_app(world)
    conversation = await waiting_customer(world)

    assert calls(world)[-2:] == ["message", "pass_thread_control"]
    assert world.graph.thread_controls[-1] == {
        "endpoint": "pass_thread_control",
        "psid": PSID,
        "target_app_id": INBOX_APP,
        "metadata": f"conversation {conversation}",
    }

    dana = await new_agent(world, "Dana")
    assert (await dana.post(f"/conversations/{conversation}/claim")).status == 200
    assert (await dana.post(f"/conversations/{conversation}/reply", {"text": "Hi, Dana here"})).status == 201
    await world.settled()

    assert calls(world)[-2:] == ["take_thread_control", "message"]
    assert [c["endpoint"] for c in world.graph.thread_controls] == [
        "pass_thread_control",
        "take_thread_control",
    ]


async def test_resolving_from_the_queue_takes_the_thread_back_before_the_rating_question(
    world: World,
) -> None:
    await with_inbox_app(world)
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")

    assert (await dana.post(f"/conversations/{conversation}/resolve", {})).status == 200
    await world.settled()

    assert calls(world)[-2:] == ["take_thread_control", "message"]


async def test_a_page_without_an_inbox_app_makes_no_handover_call(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")
    assert (await dana.post(f"/conversations/{conversation}/claim")).status == 200
    await customer_says(world, "messenger", "still there?")

    assert world.graph.thread_controls == []
    async with world.sessions() as session:
        kinds = (await session.scalars(select(Message.type).where(Message.role == "system"))).all()
    assert list(kinds) == []


@pytest.mark.parametrize(
    ("platform", "app_id"),
    [("messenger", "inbox"), ("whatsapp", INBOX_APP)],
    ids=["not-numeric", "not-messenger"],
)
async def test_an_inbox_app_id_must_be_a_messenger_apps_number(
    world: World, box: CredentialBox, platform: str, app_id: str
) -> None:
    async with transaction(world.sessions) as session:
        tenant = await session.get(Tenant, world.tenant_id)
        assert tenant is not None
        request = ChannelRequest(
            platform=platform,
            external_id="99999",
            secrets={"access_token": "t", "app_secret": "s", "verify_token": "v"},
            settings={"inbox_app_id": app_id},
        )
        with pytest.raises(AdminError, match="inbox app id"):
            await add_channel(session, box, tenant=tenant, request=request)


def handover(new_owner: str, previous_owner: str) -> bytes:
    body = payload_json("messenger", "handover.json")
    event = body["entry"][0]["messaging"][0]
    event["timestamp"] = int(time.time() * 1000)
    event["pass_thread_control"] = {
        "previous_owner_app_id": previous_owner,
        "new_owner_app_id": new_owner,
        "metadata": "done",
    }
    return json.dumps(body).encode()


async def test_the_inbox_app_passing_the_thread_back_resolves_the_waiting_conversation(world: World) -> None:
    await with_inbox_app(world)
    conversation = await waiting_customer(world)
    controls = len(world.graph.thread_controls)

    assert (await world.post("messenger", handover(OUR_APP, INBOX_APP))).status == 200
    await world.settled()

    finished = await conversation_of(world, PSID)
    assert (finished.id, finished.status, finished.csat_requested_at) == (conversation, "resolved", None)
    # The thread is ours already: nothing is taken back, and no rating is asked after a system resolve.
    assert len(world.graph.thread_controls) == controls
    assert not any("How did we do" in json.dumps(b) for b in world.graph.sent_to(PSID))

    before = len(world.graph.sent_to(PSID))
    await customer_says(world, "messenger", "what are your opening hours?")
    assert len(world.graph.sent_to(PSID)) == before + 1


async def test_a_pass_to_the_inbox_app_or_on_a_page_without_one_changes_nothing(world: World) -> None:
    conversation = await waiting_customer(world)
    assert (await world.post("messenger", handover(OUR_APP, INBOX_APP))).status == 200
    await world.settled()
    assert (await conversation_of(world, PSID)).status == "escalated"

    await with_inbox_app(world)
    assert (await world.post("messenger", handover(INBOX_APP, OUR_APP))).status == 200
    await world.settled()
    still = await conversation_of(world, PSID)
    assert (still.id, still.status) == (conversation, "escalated")
