"""WhatsApp end to end: a customer writes to the business number, the reply reaches the fake Cloud API."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.pipeline import acknowledge
from storage.models import Campaign, Customer, InboundEvent, Message
from tests.support.doubles import wait_until
from tests.support.platforms import PHONE_ID, VERIFY_TOKEN, WA_TOKEN, World, payload, payload_json

ANA = "15551234567"
BEN = "447700900123"
TEXT_WAMID = "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQUQ5RjBCMUMyRDNFNEY1QTZCNwA="


async def count(world: World, model: type, *where: object) -> int:
    async with world.sessions() as session:
        query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(await session.scalar(query) or 0)


async def messages(world: World, role: str) -> list[Message]:
    async with world.sessions() as session:
        rows = await session.scalars(select(Message).where(Message.role == role).order_by(Message.id))
        return list(rows.all())


async def the_reply(world: World) -> Message:
    (reply,) = await messages(world, "assistant")
    return reply


def status_body(fixture: str, wamid: str) -> bytes:
    """A status fixture rewritten to be about ``wamid`` (the id the Cloud API gave our reply)."""
    body = copy.deepcopy(payload_json("whatsapp", fixture))
    for entry in body["entry"]:
        for change in entry["changes"]:
            for status in change["value"].get("statuses", []):
                status["id"] = wamid
    return json.dumps(body).encode()


async def ana_writes_and_is_answered(world: World) -> Message:
    """Ana asks a question; returns the bot's reply once it went out."""
    assert (await world.post("whatsapp", payload("whatsapp", "text.json"))).status == 200
    await world.settled()
    reply = await the_reply(world)
    assert reply.status == "sent"
    assert reply.platform_message_id is not None
    return reply


async def test_the_handshake_echoes_the_challenge_only_for_the_right_token(world: World) -> None:
    url = f"/webhooks/whatsapp/{world.keys['whatsapp']}"
    ok = await world.client.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8723461"}
    )
    assert ok.status == 200
    assert await ok.text() == "8723461"
    wrong = await world.client.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "not-it", "hub.challenge": "8723461"}
    )
    assert wrong.status == 403
    assert "8723461" not in await wrong.text()


async def test_a_text_is_read_and_answered_at_the_cloud_api_with_the_exact_body(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However busy the machine, this instant answer comes before typing dots would be shown.
    monkeypatch.setattr(acknowledge, "TYPING_AFTER_SECONDS", 60.0)
    response = await world.post("whatsapp", payload("whatsapp", "text.json"))
    assert response.status == 200
    await world.settled()

    (sent,) = world.graph.sent_to(ANA)
    reply = await the_reply(world)
    assert sent == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": ANA,
        "type": "text",
        "text": {"preview_url": False, "body": reply.text},
    }
    assert reply.text
    (request,) = [r for r in world.graph.requests if r.json == sent]
    assert request.path == f"/v25.0/{PHONE_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {WA_TOKEN}"
    assert "access_token" not in request.query

    # The customer sees the blue ticks; an answer this quick needs no "typing…".
    read_receipt = {"messaging_product": "whatsapp", "status": "read", "message_id": TEXT_WAMID}

    async def acknowledged() -> bool:
        return read_receipt in world.graph.actions

    await wait_until(acknowledged)

    (question,) = await messages(world, "user")
    assert (question.text, question.direction, question.status) == (
        "Hi, are you open on Saturday?",
        "in",
        "received",
    )
    assert question.platform_message_id == TEXT_WAMID
    assert reply.status == "sent"
    assert reply.platform_message_id == "wamid.1"


async def test_the_customer_is_stored_with_name_and_e164_phone(world: World) -> None:
    await world.post("whatsapp", payload("whatsapp", "text.json"))
    await world.settled()
    async with world.sessions() as session:
        (customer,) = (await session.scalars(select(Customer))).all()
    assert customer.platform_user_id == ANA
    assert customer.name == "Ana Souza"
    assert customer.first_name == "Ana"
    assert customer.phone_e164 == "+15551234567"


@pytest.mark.parametrize(
    ("fixture", "title", "choice_id"),
    [("button_reply.json", "Yes, book it", "choice-1"), ("list_reply.json", "Saturday 10:00", "choice-4")],
)
async def test_a_tapped_button_or_list_row_is_answered(
    world: World, fixture: str, title: str, choice_id: str
) -> None:
    response = await world.post("whatsapp", payload("whatsapp", fixture))
    assert response.status == 200
    await world.settled()
    (sent,) = world.graph.sent_to(ANA)
    assert sent["type"] == "text"
    assert sent["text"]["body"]
    (tapped,) = await messages(world, "user")
    assert (tapped.type, tapped.text) == ("interactive", title)
    assert tapped.payload is not None
    assert tapped.payload["payload"] == choice_id
    assert (await the_reply(world)).status == "sent"


async def test_a_batch_retried_three_times_answers_every_message_exactly_once(world: World) -> None:
    body = payload("whatsapp", "batch.json")
    first = await world.post("whatsapp", body)
    assert await first.json() == {"received": 7, "new": 7}
    for _ in range(3):
        retry = await world.post("whatsapp", body)
        assert retry.status == 200
        assert (await retry.json())["new"] == 0
    await world.settled()

    # Ana sent two messages and Ben one: three answers, whatever Meta resent.
    assert len(world.graph.sent_to(ANA)) == 2
    assert len(world.graph.sent_to(BEN)) == 1
    assert len(world.graph.sent) == 3
    questions = await messages(world, "user")
    assert sorted(q.text or "" for q in questions) == ["first", "second", "third, from someone else"]
    replies = await messages(world, "assistant")
    assert sorted(r.inbound_event_id or 0 for r in replies) == sorted(
        q.inbound_event_id or 0 for q in questions
    )
    assert {r.status for r in replies} == {"sent"}
    assert await count(world, InboundEvent) == 7


async def test_sent_delivered_and_read_move_the_reply_forward(world: World) -> None:
    reply = await ana_writes_and_is_answered(world)
    wamid = reply.platform_message_id
    assert wamid is not None
    seen = []
    for fixture in ("status_sent.json", "status_delivered.json", "status_read.json"):
        assert (await world.post("whatsapp", status_body(fixture, wamid))).status == 200
        await world.settled()
        now = await the_reply(world)
        seen.append((now.status, now.delivered_at is not None, now.read_at is not None))
    assert seen == [("sent", False, False), ("delivered", True, False), ("read", True, True)]


async def test_a_delivered_status_after_read_does_not_move_the_reply_back(world: World) -> None:
    reply = await ana_writes_and_is_answered(world)
    assert reply.platform_message_id is not None
    for fixture in ("status_read.json", "status_delivered.json"):
        assert (await world.post("whatsapp", status_body(fixture, reply.platform_message_id))).status == 200
        await world.settled()
    assert (await the_reply(world)).status == "read"


async def test_a_repeated_status_webhook_changes_nothing(world: World) -> None:
    reply = await ana_writes_and_is_answered(world)
    assert reply.platform_message_id is not None
    delivered = status_body("status_delivered.json", reply.platform_message_id)
    assert (await world.post("whatsapp", delivered)).status == 200
    await world.settled()
    before = await the_reply(world)
    events_before = await count(world, InboundEvent)

    again = await world.post("whatsapp", delivered)
    assert again.status == 200
    assert await again.json() == {"received": 1, "new": 0}
    await world.settled()
    after = await the_reply(world)
    assert (after.status, after.delivered_at, after.updated_at) == (
        before.status,
        before.delivered_at,
        before.updated_at,
    )
    assert await count(world, InboundEvent) == events_before


async def test_a_late_131047_failure_marks_an_accepted_reply_failed_as_window_closed(world: World) -> None:
    reply = await ana_writes_and_is_answered(world)
    assert reply.platform_message_id is not None
    failed = status_body("status_failed_131047.json", reply.platform_message_id)
    assert (await world.post("whatsapp", failed)).status == 200
    await world.settled()
    after = await the_reply(world)
    assert after.status == "failed"
    assert after.failure_reason == "window_closed"
    assert after.error is not None
    assert "131047" in after.error
    assert len(world.graph.sent) == 1  # nothing was sent again on the customer's behalf


async def test_a_click_to_whatsapp_ad_records_the_source_and_the_campaign(world: World) -> None:
    await world.post("whatsapp", payload("whatsapp", "referral_ad.json"))
    await world.settled()
    (question,) = await messages(world, "user")
    async with world.sessions() as session:
        (campaign,) = (await session.scalars(select(Campaign))).all()
    assert question.source == "ad"
    assert question.ad_id == "120210000000000001"
    assert question.campaign_id == campaign.id
    assert (campaign.ad_id, campaign.name, campaign.tenant_id) == (
        "120210000000000001",
        "Spring sale: 20% off",
        world.tenant_id,
    )
    assert len(world.graph.sent_to(ANA)) == 1  # the customer from the ad is answered as usual


@pytest.mark.parametrize(
    "fixture",
    ["malformed_not_json.txt", "malformed_wrong_object.json", "malformed_changes_not_list.json",
     "malformed_missing_phone_number_id.json", "malformed_message_without_from.json"],
)  # fmt: skip
async def test_a_malformed_body_is_a_json_400_and_stores_nothing(world: World, fixture: str) -> None:
    response = await world.post("whatsapp", payload("whatsapp", fixture))
    assert response.status == 400
    assert response.content_type == "application/json"
    assert (await response.json())["error"]["message"]
    await world.settled()
    assert await count(world, InboundEvent) == 0
    assert await count(world, Message) == 0
    assert world.graph.requests == []


async def test_a_webhook_for_another_phone_number_is_refused_and_stores_nothing(world: World) -> None:
    response = await world.post("whatsapp", payload("whatsapp", "malformed_wrong_phone_number_id.json"))
    assert response.status == 400
    error: dict[str, Any] = (await response.json())["error"]
    assert "3999999999" in error["message"]
    await world.settled()
    assert await count(world, InboundEvent) == 0
    assert await count(world, Message) == 0
    assert await count(world, Customer) == 0
    assert world.graph.requests == []
