"""What an agent reads: the queue (oldest first, wait, position, flagged), its own conversations, a
conversation's card (customer, handoff summary, window, notes, canned replies) and the paged transcript."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from storage.config_versions import bump_config_versions
from storage.db import transaction
from storage.models import Bot, Channel, Conversation, utcnow
from tests.support.platforms import World
from tests.web.agent.desk import (
    ASK_FOR_A_PERSON,
    PSID,
    WA_ID,
    customer_says,
    customer_went_quiet,
    new_agent,
    waiting_customer,
)

OTHER = "2000000002"


async def test_the_queue_shows_waiting_conversations_oldest_first_with_wait_and_position(
    world: World,
) -> None:
    first = await waiting_customer(world, sender=PSID)
    second = await waiting_customer(world, sender=OTHER)
    async with transaction(world.sessions) as session:
        # The first customer has waited ten minutes and is past the tenant's escalation timeout.
        await session.execute(
            update(Conversation)
            .where(Conversation.id == first)
            .values(escalated_at=utcnow() - timedelta(minutes=10), timeout_flagged_at=utcnow())
        )
    dana = await new_agent(world, "Dana")

    queue = (await dana.get("/queue")).body["conversations"]

    assert [(c["id"], c["position"], c["flagged"]) for c in queue] == [(first, 1, True), (second, 2, False)]
    oldest = queue[0]
    assert oldest["status"] == "escalated"
    assert 590 <= oldest["wait_seconds"] <= 900
    assert oldest["channel"]["platform"] == "messenger"
    assert oldest["trigger"] == "customer_request"
    assert oldest["reason"]
    assert oldest["waiting_since"].endswith("+00:00")
    # The preview is the customer's last words, not the bot's handoff message every item ends with.
    assert oldest["last_message"]["text"] == "can I talk to a real person please"


async def test_a_claimed_conversation_leaves_the_queue_for_the_agents_own_list(world: World) -> None:
    first = await waiting_customer(world, sender=PSID)
    second = await waiting_customer(world, sender=OTHER)
    dana = await new_agent(world, "Dana")

    assert (await dana.post(f"/conversations/{second}/claim")).status == 200

    queue = (await dana.get("/queue")).body["conversations"]
    assert [(c["id"], c["position"]) for c in queue] == [(first, 1)]
    mine = (await dana.get("/conversations", mine="1")).body["conversations"]
    assert [(c["id"], c["status"], c["assigned_agent_id"]) for c in mine] == [
        (second, "transferred", dana.id)
    ]
    everyone = (await dana.get("/conversations")).body["conversations"]
    assert {c["id"] for c in everyone} == {first, second}


async def test_the_card_shows_the_customer_the_handoff_and_canned_replies_filled_in(world: World) -> None:
    conversation = await waiting_customer(world, "whatsapp")  # Ana Souza
    dana = await new_agent(world, "Dana")

    card = (await dana.get(f"/conversations/{conversation}")).body

    assert card["status"] == "escalated"
    assert card["assigned_agent"] is None
    assert card["customer"]["name"] == "Ana Souza"
    assert card["customer"]["phone"] == "+15551234567"
    assert card["customer"]["lead_stage"] == "intake"
    assert card["channel"]["platform"] == "whatsapp"
    assert card["handoff"]["trigger"] == "customer_request"
    assert "Handed over because" in card["handoff"]["summary"]
    assert card["window"] == {
        "free_text": True,
        "until": card["window"]["until"],
        "needs_template": False,
        "tag": None,
        "template": None,
    }
    previews = {t["name"]: t["preview"] for t in card["templates"]}
    assert previews["thanks"] == "You're very welcome, Ana! Anything else I can help with?"
    assert card["notes"] == []
    assert isinstance(card["version"], int)


async def test_the_window_on_the_card_follows_the_platform_rules(world: World) -> None:
    messenger = await waiting_customer(world)
    whatsapp = await waiting_customer(world, "whatsapp")
    dana = await new_agent(world, "Dana")

    await customer_went_quiet(world, PSID, timedelta(days=3))
    await customer_went_quiet(world, WA_ID, timedelta(hours=25))

    tagged = (await dana.get(f"/conversations/{messenger}")).body["window"]
    assert (tagged["free_text"], tagged["tag"], tagged["needs_template"]) == (True, "HUMAN_AGENT", False)
    closed = (await dana.get(f"/conversations/{whatsapp}")).body["window"]
    assert (closed["free_text"], closed["tag"], closed["needs_template"], closed["template"]) == (
        False,
        None,
        True,
        None,
    )
    async with transaction(world.sessions) as session:
        await session.execute(
            update(Channel)
            .where(Channel.platform == "whatsapp")
            .values(settings={"window_template": "hello"})
        )
        await bump_config_versions(session, None)
    templated = (await dana.get(f"/conversations/{whatsapp}")).body["window"]
    assert (templated["free_text"], templated["needs_template"], templated["template"]) == (
        False,
        True,
        "hello",
    )


async def test_the_transcript_pages_newest_first_without_gaps_or_repeats(world: World) -> None:
    async with transaction(world.sessions) as session:
        await session.execute(update(Bot).values(handoff_after_fallbacks=0))  # the bot shrugs on and on
        await bump_config_versions(session, None)
    for n in range(5):
        await customer_says(world, "messenger", f"question number {n} about beans")
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")

    pages: list[list[dict[str, object]]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "4"} | ({"before": cursor} if cursor else {})
        page = (await dana.get(f"/conversations/{conversation}/messages", **params)).body
        pages.append(page["messages"])
        cursor = page["next"]
        if cursor is None:
            break

    messages = [m for page in pages for m in page]
    ids = [m["id"] for m in messages]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids) == 12  # six customer messages, six answers
    assert all(len(page) == 4 for page in pages)
    newest = messages[0]
    assert (newest["role"], newest["direction"], newest["status"]) == ("assistant", "out", "sent")
    asked = messages[1]
    assert (asked["text"], asked["role"], asked["intent"]) == (ASK_FOR_A_PERSON, "user", "human_request")
    assert asked["sentiment"] in ("positive", "neutral", "negative")
    assert messages[-1]["text"] == "question number 0 about beans"


async def test_a_cursor_or_limit_this_api_did_not_hand_out_is_a_400(world: World) -> None:
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana")

    for params in [{"before": "not-a-cursor"}, {"before": "bTpoZWxsbw"}, {"limit": "0"}, {"limit": "-3"}]:
        answer = await dana.get(f"/conversations/{conversation}/messages", **params)
        assert answer.status == 400, params
    assert (await dana.get("/conversations/99999/messages")).status == 404
