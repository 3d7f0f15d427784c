"""Hostile but signed webhook bodies on all three platforms: deep nesting is a 400, odd text is answered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from yarl import URL

from storage.models import Customer, InboundEvent, Message
from tests.support.platforms import GROUPME_BOT, World, payload, payload_json

PLATFORMS = ("messenger", "whatsapp", "groupme")
FIXTURES = {"messenger": "text.json", "whatsapp": "text.json", "groupme": "user_text.json"}
# NUL and a lone surrogate, as a JSON body carries them: json.loads turns "\ud800" into a lone surrogate.
ODD = "\u0000 \ud800"
CLEANED = "\ufffd \ufffd"


async def count(world: World, model: type, *where: object) -> int:
    async with world.sessions() as session:
        query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(await session.scalar(query) or 0)


def deeply_nested(platform: str, depth: int) -> bytes:
    """The platform's own message shape, with a value nested ``depth`` levels deep beside it."""
    body = payload_json(platform, FIXTURES[platform])
    holder = body if platform == "groupme" else body["entry"][0]
    holder["extra"] = "__deep__"
    return json.dumps(body).replace('"__deep__"', "[" * depth + "]" * depth).encode()


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("depth", [65, 5_000, 100_000])
async def test_deeply_nested_json_is_a_400_that_stores_nothing(
    world: World, platform: str, depth: int
) -> None:
    bodies = [b"[" * depth + b"]" * depth, deeply_nested(platform, depth)]
    if depth > 1_000:
        bodies.append(b"[" * depth)  # unclosed: json.loads gives up on the depth before the end
    for body in bodies:
        response = await world.post(platform, body)
        assert response.status == 400
        assert "nested" in (await response.json())["error"]["message"]
    assert await count(world, InboundEvent) == 0
    assert (await world.post(platform, payload(platform, FIXTURES[platform]))).status == 200


def with_odd_characters(platform: str) -> tuple[bytes, str]:
    """A customer message whose text, name and id carry NUL and a lone surrogate; and who is answered."""
    if platform == "messenger":
        body = payload_json("messenger", "text.json")
        message = body["entry"][0]["messaging"][0]["message"]
        message.update(mid=f"m_odd{ODD}", text=f"are you open on sunday?{ODD}")
        return json.dumps(body).encode(), "2000000001"
    if platform == "whatsapp":
        body = payload_json("whatsapp", "text.json")
        value = body["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["profile"]["name"] = f"Ana{ODD}"
        value["messages"][0].update(id=f"wamid.odd{ODD}", text={"body": f"are you open on sunday?{ODD}"})
        return json.dumps(body).encode(), "15551234567"
    body = payload_json("groupme", "user_text.json")
    body.update(id=f"odd{ODD}", name=f"Ana{ODD}", text=f"Brewbot, are you open on sunday?{ODD}")
    return json.dumps(body).encode(), GROUPME_BOT


def replies(world: World, platform: str, recipient: str) -> list[Any]:
    if platform == "groupme":
        return [post for post in world.groupme.posts if post["bot_id"] == recipient]
    return world.graph.sent_to(recipient)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_nul_and_lone_surrogates_are_stored_as_replacement_characters_and_answered(
    world: World, platform: str
) -> None:
    body, recipient = with_odd_characters(platform)
    assert "\\u0000" in body.decode()
    assert "\\ud800" in body.decode()
    response = await world.post(platform, body)
    assert response.status == 200
    await world.settled()

    async with world.sessions() as session:
        (question,) = (await session.scalars(select(Message).where(Message.role == "user"))).all()
        names = (await session.scalars(select(Customer.name))).all()
    assert question.text is not None
    assert question.text.endswith(f"sunday?{CLEANED}")
    assert question.platform_message_id is not None
    assert question.platform_message_id.endswith(CLEANED)
    if platform != "messenger":
        assert f"Ana{CLEANED}" in names
    assert await count(world, InboundEvent, InboundEvent.status == "done") == 1
    assert replies(world, platform, recipient)


# -- each of these was a 500 before, or a 503 on PostgreSQL (which a platform retries for ever) --------


def whatsapp_with(**message_fields: Any) -> bytes:
    """The WhatsApp text fixture with its message's fields updated."""
    body = payload_json("whatsapp", "text.json")
    body["entry"][0]["changes"][0]["value"]["messages"][0].update(message_fields)
    return json.dumps(body).encode()


async def test_a_signature_with_non_ascii_characters_is_a_401(world: World) -> None:
    body = payload("messenger", "text.json")
    for platform in ("messenger", "whatsapp"):
        response = await world.client.post(
            f"/webhooks/{platform}/{world.keys[platform]}",
            data=body,
            headers={"X-Hub-Signature-256": "sha256=é"},
        )
        assert response.status == 401
        assert (await response.json())["error"]["message"]


async def test_a_verify_token_with_non_ascii_characters_is_a_403(world: World) -> None:
    response = await world.client.get(
        f"/webhooks/messenger/{world.keys['messenger']}",
        params={"hub.mode": "subscribe", "hub.verify_token": "vérify", "hub.challenge": "7"},
    )
    assert response.status == 403
    assert (await response.json())["error"]["status"] == 403


@pytest.mark.parametrize("key", ["%00", "abc%00def", "%ED%A0%80", "x" * 65])
async def test_a_channel_key_that_no_key_looks_like_is_a_404(world: World, key: str) -> None:
    body = payload("messenger", "text.json")
    response = await world.client.post(URL(f"/webhooks/messenger/{key}", encoded=True), data=body)
    assert response.status == 404
    assert (await response.json())["error"]["message"] == "no such channel"


async def test_a_lone_surrogate_in_an_unhandled_whatsapp_change_is_stored(world: World) -> None:
    other = payload_json("whatsapp", "other_field.json")["entry"][0]["changes"][0]
    other["value"]["reason"] = "\ud800"
    errors = payload_json("whatsapp", "value_errors.json")["entry"][0]["changes"][0]
    errors["value"]["errors"][0]["title"] = "\ud800"
    for change in (other, errors):
        body = payload_json("whatsapp", "other_field.json")
        body["entry"][0]["changes"] = [change]
        response = await world.post("whatsapp", json.dumps(body).encode())
        assert response.status == 200
    assert await count(world, InboundEvent) == 2


async def test_an_interactive_reply_whose_type_is_a_list_is_stored_as_unsupported(world: World) -> None:
    body = whatsapp_with(type="interactive", interactive={"type": ["button_reply"]})
    response = await world.post("whatsapp", body)
    assert response.status == 200
    assert await count(world, InboundEvent) == 1


@pytest.mark.parametrize("latitude", ["NaN", "Infinity", "1" + "0" * 400])
async def test_a_location_that_is_no_finite_number_is_a_400(world: World, latitude: str) -> None:
    location = {"latitude": "__lat__", "longitude": 1.5}
    whatsapp = whatsapp_with(type="location", location=location).replace(b'"__lat__"', latitude.encode())
    groupme_body = payload_json("groupme", "location.json")
    groupme_body["attachments"][0]["lat"] = "__lat__"
    groupme = json.dumps(groupme_body).encode().replace(b'"__lat__"', latitude.encode())
    for platform, body in (("whatsapp", whatsapp), ("groupme", groupme)):
        response = await world.post(platform, body)
        assert response.status == 400, platform
        assert "number" in (await response.json())["error"]["message"]
    assert await count(world, InboundEvent) == 0


@pytest.mark.parametrize(
    ("platform", "field"),
    [
        ("messenger", "mid"),
        ("messenger", "sender"),
        ("whatsapp", "id"),
        ("whatsapp", "from"),
        ("groupme", "id"),
    ],
)
async def test_an_id_longer_than_any_platforms_is_a_400(world: World, platform: str, field: str) -> None:
    long_id = "9" * 300
    body = payload_json(platform, FIXTURES[platform])
    if platform == "messenger":
        event = body["entry"][0]["messaging"][0]
        if field == "mid":
            event["message"]["mid"] = long_id
        else:
            event["sender"]["id"] = long_id
    elif platform == "whatsapp":
        body["entry"][0]["changes"][0]["value"]["messages"][0][field] = long_id
    else:
        body[field] = long_id
    response = await world.post(platform, json.dumps(body).encode())
    assert response.status == 400
    assert "longer than" in (await response.json())["error"]["message"]
    assert await count(world, InboundEvent) == 0
