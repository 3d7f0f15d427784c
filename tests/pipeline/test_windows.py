"""Messaging windows and platform refusals, seen from the customer's side and from the fake platform APIs.

A conversation is put outside its window by moving ``conversations.last_inbound_at`` back after the
first turn (and telling the fake Graph API the same, so it enforces the window too). A later reply is
queued the way the runtime queues one: a pending outbound message plus its outbox row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.web.app_keys import RUNTIME
from storage import outbox_queue as outbox
from storage.config_versions import bump_config_versions
from storage.db import transaction
from storage.models import Channel, Conversation, Message, OutboxItem
from tests.support.platforms import World, payload

PSID = "2000000001"  # the Messenger customer of messenger/text.json
WA_ID = "15551234567"  # the WhatsApp customer of whatsapp/text.json
GROUP = "2000"

CUSTOMER = {"messenger": PSID, "whatsapp": WA_ID}


async def first_turn(world: World, platform: str) -> None:
    """The customer writes (messenger or whatsapp text.json) and the bot answers at once."""
    assert (await world.post(platform, payload(platform, "text.json"))).status == 200
    await world.settled()
    assert len(world.graph.sent) == 1


async def customer_went_quiet(world: World, key: str, quiet_for: timedelta) -> None:
    """The customer's last message was ``quiet_for`` ago, in our database and at the platform."""
    moment = datetime.now(UTC) - quiet_for
    async with transaction(world.sessions) as session:
        await session.execute(
            update(Conversation).where(Conversation.conversation_key == key).values(last_inbound_at=moment)
        )
    world.graph.last_user_message[key] = moment


async def queue_reply(world: World, key: str, text: str, *, role: str) -> int:
    """A reply to the customer written now by the bot (assistant) or a human (agent); returns its id."""
    async with transaction(world.sessions) as session:
        conversation = await session.scalar(select(Conversation).where(Conversation.conversation_key == key))
        assert conversation is not None
        message = Message(
            tenant_id=conversation.tenant_id,
            conversation_id=conversation.id,
            channel_id=conversation.channel_id,
            role=role,
            direction="out",
            status="pending",
            type="text",
            text=text,
        )
        session.add(message)
        await session.flush()
        await outbox.enqueue(session, [message], datetime.now(UTC))
        message_id = message.id
    world.client.app[RUNTIME].sender.wake()
    await world.settled()
    return message_id


async def message(world: World, message_id: int) -> Message:
    async with world.sessions() as session:
        found = await session.get(Message, message_id)
        assert found is not None
        return found


async def outbox_row(world: World, message_id: int) -> OutboxItem:
    async with world.sessions() as session:
        row = await session.scalar(select(OutboxItem).where(OutboxItem.message_id == message_id))
        assert row is not None
        return row


async def the_first_reply(world: World) -> Message:
    async with world.sessions() as session:
        reply = await session.scalar(select(Message).where(Message.role == "assistant").order_by(Message.id))
        assert reply is not None
        return reply


def message_sends(world: World) -> int:
    """Message sends that reached the fake Graph API, accepted or refused (sender actions excluded)."""
    return sum(
        1
        for r in world.graph.requests
        if isinstance(r.json, dict) and ("message" in r.json or "type" in r.json)
    )


async def set_channel_settings(world: World, platform: str, settings: dict[str, str]) -> None:
    async with transaction(world.sessions) as session:
        await session.execute(update(Channel).where(Channel.platform == platform).values(settings=settings))
        await bump_config_versions(session, None)


# -- Messenger -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("quiet_for", [timedelta(hours=25), timedelta(days=3)], ids=["25h", "3d"])
async def test_messenger_bot_reply_after_24_hours_is_not_sent(world: World, quiet_for: timedelta) -> None:
    await first_turn(world, "messenger")
    await customer_went_quiet(world, PSID, quiet_for)
    before = message_sends(world)

    reply = await queue_reply(world, PSID, "Are you still there?", role="assistant")

    assert message_sends(world) == before  # nothing reached Meta, not even a tagged attempt
    stored = await message(world, reply)
    assert (stored.status, stored.failure_reason) == ("failed", "window_closed")


async def test_messenger_agent_reply_after_3_days_goes_out_with_the_human_agent_tag(world: World) -> None:
    await first_turn(world, "messenger")
    await customer_went_quiet(world, PSID, timedelta(days=3))

    reply = await queue_reply(world, PSID, "Sorry for the wait - your order shipped today.", role="agent")

    tagged = world.graph.sent_to(PSID)[-1]
    assert tagged == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Sorry for the wait - your order shipped today."},
    }
    stored = await message(world, reply)
    assert stored.status == "sent"
    assert stored.platform_message_id == "m_2"


async def test_messenger_agent_reply_after_8_days_is_not_sent(world: World) -> None:
    await first_turn(world, "messenger")
    await customer_went_quiet(world, PSID, timedelta(days=8))
    before = message_sends(world)

    reply = await queue_reply(world, PSID, "Sorry for the wait - your order shipped today.", role="agent")

    assert message_sends(world) == before
    stored = await message(world, reply)
    assert (stored.status, stored.failure_reason) == ("failed", "window_closed")


async def test_messenger_agent_reply_inside_24_hours_is_a_plain_response(world: World) -> None:
    await first_turn(world, "messenger")
    await customer_went_quiet(world, PSID, timedelta(hours=2))

    await queue_reply(world, PSID, "Here is the tracking link you asked for.", role="agent")

    assert world.graph.sent_to(PSID)[-1]["messaging_type"] == "RESPONSE"
    assert "tag" not in world.graph.sent_to(PSID)[-1]


async def test_messenger_window_refusal_inside_our_window_is_recorded_and_not_retried(world: World) -> None:
    world.graph.fail_next(
        code=10, subcode=2018278, message="(#10) This message is sent outside of allowed window."
    )
    await world.post("messenger", payload("messenger", "text.json"))
    await world.settled()

    assert world.graph.sent == []
    assert message_sends(world) == 1  # refused once, never tried again
    reply = await the_first_reply(world)
    assert (reply.status, reply.failure_reason) == ("failed", "window_closed")
    row = await outbox_row(world, reply.id)
    assert (row.status, row.attempts) == ("failed", 1)


# -- WhatsApp --------------------------------------------------------------------------------------------


async def test_whatsapp_bot_reply_after_24_hours_without_a_template_is_not_sent(world: World) -> None:
    await first_turn(world, "whatsapp")
    await customer_went_quiet(world, WA_ID, timedelta(hours=25))
    before = message_sends(world)

    reply = await queue_reply(world, WA_ID, "Your beans are ready for pickup.", role="assistant")

    assert message_sends(world) == before
    stored = await message(world, reply)
    assert (stored.status, stored.failure_reason) == ("failed", "window_closed")


async def test_whatsapp_reply_after_24_hours_sends_the_channels_template_instead(world: World) -> None:
    await first_turn(world, "whatsapp")
    await set_channel_settings(
        world, "whatsapp", {"window_template": "order_update", "window_template_language": "pt_BR"}
    )
    await customer_went_quiet(world, WA_ID, timedelta(hours=30))

    reply = await queue_reply(world, WA_ID, "Your beans are ready for pickup.", role="assistant")

    template = world.graph.sent_to(WA_ID)[-1]
    assert template == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "template",
        "template": {"name": "order_update", "language": {"code": "pt_BR"}},
    }
    assert (await message(world, reply)).status == "sent"


async def test_whatsapp_reply_inside_24_hours_is_plain_text_even_with_a_template(world: World) -> None:
    await first_turn(world, "whatsapp")
    await set_channel_settings(world, "whatsapp", {"window_template": "order_update"})
    await customer_went_quiet(world, WA_ID, timedelta(hours=23))

    await queue_reply(world, WA_ID, "Your beans are ready for pickup.", role="assistant")

    last = world.graph.sent_to(WA_ID)[-1]
    assert last["type"] == "text"
    assert last["text"]["body"] == "Your beans are ready for pickup."


async def test_whatsapp_131047_on_send_is_recorded_as_window_closed(world: World) -> None:
    await first_turn(world, "whatsapp")
    # Our record says the customer wrote minutes ago; Meta counts the window by its own record and refuses.
    world.graph.last_user_message[WA_ID] = datetime.now(UTC) - timedelta(hours=25)
    before = message_sends(world)

    reply = await queue_reply(world, WA_ID, "Your beans are ready for pickup.", role="assistant")

    assert message_sends(world) == before + 1  # tried once, refused, never retried
    assert len(world.graph.sent) == 1
    stored = await message(world, reply)
    assert (stored.status, stored.failure_reason) == ("failed", "window_closed")
    assert stored.error is not None
    assert "131047" in stored.error


# -- errors from the Graph API ---------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["messenger", "whatsapp"])
async def test_an_invalid_token_fails_the_reply_and_flags_the_channel(world: World, platform: str) -> None:
    world.graph.fail_next(code=190, http_status=401, message="Error validating access token.")
    await world.post(platform, payload(platform, "text.json"))
    await world.settled()

    assert world.graph.sent == []
    reply = await the_first_reply(world)
    assert (reply.status, reply.failure_reason) == ("failed", "credentials")
    async with world.sessions() as session:
        rows = await session.execute(select(Channel.platform, Channel.needs_credentials))
        flags = {name: flag for name, flag in rows.all()}
    assert flags[platform] is True
    assert not any(flag for name, flag in flags.items() if name != platform)


@pytest.mark.parametrize(("platform", "code"), [("messenger", 613), ("whatsapp", 130429)])
async def test_a_rate_limit_with_retry_after_0_is_retried_and_delivered_once(
    world: World, platform: str, code: int
) -> None:
    world.graph.fail_next(code=code, retry_after=0, message=f"(#{code}) Rate limit hit")
    await world.post(platform, payload(platform, "text.json"))
    await world.settled()

    assert len(world.graph.sent_to(CUSTOMER[platform])) == 1
    assert message_sends(world) == 2
    assert (await the_first_reply(world)).status == "sent"


@pytest.mark.parametrize("platform", ["messenger", "whatsapp"])
async def test_a_server_error_then_success_is_delivered_once(world: World, platform: str) -> None:
    world.graph.fail_next(http_status=503)
    await world.post(platform, payload(platform, "text.json"))
    await world.settled()

    assert len(world.graph.sent_to(CUSTOMER[platform])) == 1
    assert message_sends(world) == 2
    reply = await the_first_reply(world)
    assert (reply.status, reply.failure_reason) == ("sent", None)


# -- GroupMe ---------------------------------------------------------------------------------------------


async def test_groupme_has_no_window_a_reply_days_later_still_goes_out(world: World) -> None:
    body = payload("groupme", "user_mention.json")  # "hey @Brewbot and @Cleo, is the oat latte back?"
    assert (await world.post("groupme", body)).status == 200
    await world.settled()
    assert len(world.groupme.posts) == 1
    await customer_went_quiet(world, GROUP, timedelta(days=5))

    reply = await queue_reply(world, GROUP, "Oat lattes are back from Monday!", role="assistant")

    assert world.groupme.posts[-1]["text"] == "Oat lattes are back from Monday!"
    assert (await message(world, reply)).status == "sent"
