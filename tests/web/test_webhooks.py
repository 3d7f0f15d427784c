"""The webhook endpoint: handshake, signatures, bad input, and Messenger end to end at the fake Graph API."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.pipeline import acknowledge
from bot.web.app_keys import RUNTIME
from storage.models import Conversation, InboundEvent, Message
from tests.support.doubles import wait_until
from tests.support.platforms import PAGE_ID, VERIFY_TOKEN, World, payload


async def count(world: World, model: type, *where: object) -> int:
    async with world.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


async def test_the_meta_handshake_echoes_the_challenge_only_for_the_right_token(world: World) -> None:
    url = f"/webhooks/messenger/{world.keys['messenger']}"
    ok = await world.client.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert ok.status == 200
    assert await ok.text() == "1158201444"
    assert ok.content_type == "text/plain"
    wrong = await world.client.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert wrong.status == 403
    assert (await wrong.json())["error"]["status"] == 403


@pytest.mark.parametrize(
    ("case", "status"),
    [("unsigned", 401), ("wrong signature", 401), ("unknown key", 404), ("wrong platform", 404)],
)
async def test_unauthenticated_requests_are_refused_and_store_nothing(
    world: World, case: str, status: int
) -> None:
    body = payload("messenger", "text.json")
    if case == "unsigned":
        response = await world.post("messenger", body, signed=False)
    elif case == "wrong signature":
        response = await world.client.post(
            f"/webhooks/messenger/{world.keys['messenger']}",
            data=body,
            headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
        )
    elif case == "unknown key":
        response = await world.post("messenger", body, key="no-such-key")
    else:
        response = await world.post("whatsapp", body, key=world.keys["messenger"])
    assert response.status == status
    assert (await response.json())["error"]["message"]
    assert await count(world, InboundEvent) == 0


@pytest.mark.parametrize(
    "fixture",
    ["malformed_not_json.txt", "malformed_wrong_object.json", "malformed_missing_sender.json",
     "malformed_entry_not_list.json", "malformed_timestamp_string.json"],
)  # fmt: skip
async def test_malformed_bodies_get_a_json_400_and_the_server_keeps_serving(
    world: World, fixture: str
) -> None:
    response = await world.post("messenger", payload("messenger", fixture))
    assert response.status == 400
    assert (await response.json())["error"]["message"]
    assert await count(world, InboundEvent) == 0
    still = await world.post("messenger", payload("messenger", "text.json"))
    assert still.status == 200


async def test_a_body_over_the_limit_is_413(world: World) -> None:
    limit = world.client.app[RUNTIME].settings.max_body_bytes
    response = await world.post("messenger", b'{"object":"page","entry":[]}' + b" " * limit)
    assert response.status == 413
    assert "error" in await response.json()
    assert await count(world, InboundEvent) == 0


async def test_an_empty_batch_is_accepted(world: World) -> None:
    response = await world.post("messenger", payload("messenger", "empty_batch.json"))
    assert response.status == 200
    assert await response.json() == {"received": 0, "new": 0}


async def test_a_messenger_message_is_answered_at_the_send_api_with_the_exact_shape(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However busy the machine, this instant answer comes before typing dots would be shown.
    monkeypatch.setattr(acknowledge, "TYPING_AFTER_SECONDS", 60.0)
    response = await world.post("messenger", payload("messenger", "text.json"))
    assert response.status == 200
    await world.settled()
    (reply,) = world.graph.sent_to("2000000001")
    assert set(reply) == {"recipient", "messaging_type", "message"}
    assert reply["recipient"] == {"id": "2000000001"}
    assert reply["messaging_type"] == "RESPONSE"
    assert set(reply["message"]) == {"text"}
    assert reply["message"]["text"]

    # Seen, but no typing dots after the reply (they would stay up to 20 s).
    async def seen_only() -> bool:
        return [a["sender_action"] for a in world.graph.actions] == ["mark_seen"]

    await wait_until(seen_only)
    sent = [r for r in world.graph.requests if r.json and "message" in r.json]
    assert sent[0].path == f"/v25.0/{PAGE_ID}/messages"
    assert sent[0].headers["Authorization"].startswith("Bearer ")
    assert "access_token" not in sent[0].query
    async with world.sessions() as session:
        stored = (await session.scalars(select(Message).order_by(Message.id))).all()
    assert [(m.role, m.status) for m in stored] == [("user", "received"), ("assistant", "sent")]
    assert stored[1].platform_message_id == "m_1"


async def test_a_retried_batch_yields_exactly_one_reply_per_message(world: World) -> None:
    body = payload("messenger", "batch.json")
    for _ in range(3):
        assert (await world.post("messenger", body)).status == 200
    await world.settled()
    answered = [b["recipient"]["id"] for b in world.graph.sent]
    # Two customer messages and one postback in the batch: three replies, whatever the retries.
    assert sorted(answered) == sorted(set(answered))
    assert len(answered) == 3
    assert await count(world, InboundEvent) == 5  # every entry of the batch was stored, once


def messenger_event(event: dict[str, object], *, psid: str = "2000000001") -> bytes:
    """One messaging event from ``psid`` to the test page, wrapped as Meta sends it."""
    item = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": 1718000000400, **event}
    return json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": [item]}]}).encode()


def echo(mid: str, text: str) -> bytes:
    """The page's own message coming back (sender = page, recipient = the customer)."""
    item = {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": "2000000001"},
        "timestamp": 1718000700200,
        "message": {"is_echo": True, "app_id": 263902037430900, "mid": mid, "text": text},
    }
    return json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": [item]}]}).encode()


async def test_delivery_and_read_move_the_reply_forward_never_back(world: World) -> None:
    await world.post("messenger", payload("messenger", "text.json"))
    await world.settled()
    far_future_ms = 4102444800000
    read = messenger_event({"read": {"watermark": far_future_ms}})
    late_delivery = messenger_event({"delivery": {"watermark": far_future_ms, "mids": ["m_1"]}})
    for body in (read, late_delivery):
        assert (await world.post("messenger", body)).status == 200
        await world.settled()
    async with world.sessions() as session:
        reply = await session.scalar(select(Message).where(Message.role == "assistant"))
    assert reply is not None
    assert reply.status == "read"  # the later delivery receipt did not move it back
    assert reply.read_at is not None
    assert reply.delivered_at is not None


async def test_a_delivery_receipt_marks_the_reply_delivered(world: World) -> None:
    await world.post("messenger", payload("messenger", "text.json"))
    await world.settled()
    await world.post("messenger", messenger_event({"delivery": {"watermark": 1, "mids": ["m_1"]}}))
    await world.settled()
    async with world.sessions() as session:
        reply = await session.scalar(select(Message).where(Message.role == "assistant"))
    assert reply is not None
    assert reply.status == "delivered"


async def test_standby_is_recorded_but_never_answered(world: World) -> None:
    await world.post("messenger", payload("messenger", "standby.json"))
    await world.settled()
    assert world.graph.sent == []
    assert await count(world, Message, Message.role == "user") == 1


async def test_an_echo_of_a_human_reply_is_recorded_and_our_own_echo_is_not(world: World) -> None:
    await world.post("messenger", payload("messenger", "text.json"))
    await world.settled()
    (bot_reply,) = world.graph.sent
    await world.post("messenger", echo("m_1", bot_reply["message"]["text"]))  # our own send coming back
    await world.post("messenger", echo("m_human_1", "A colleague will call you back today."))
    await world.settled()
    async with world.sessions() as session:
        agents = (await session.scalars(select(Message).where(Message.role == "agent"))).all()
    assert [(m.text, m.platform_message_id, m.direction) for m in agents] == [
        ("A colleague will call you back today.", "m_human_1", "out")
    ]
    assert len(world.graph.sent) == 1  # echoes are never answered


async def test_an_ad_referral_records_the_source_and_the_campaign(world: World) -> None:
    from storage.models import Campaign

    await world.post("messenger", payload("messenger", "referral_ad.json"))
    await world.settled()
    async with world.sessions() as session:
        message = await session.scalar(select(Message).where(Message.role == "user"))
        campaign = await session.scalar(select(Campaign))
    assert message is not None
    assert campaign is not None
    assert message.source == "ad"
    assert message.ad_id == campaign.ad_id
    assert message.campaign_id == campaign.id
    assert await count(world, Conversation) == 1
