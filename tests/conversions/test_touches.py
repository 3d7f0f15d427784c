"""First and last touch: the ads and links a customer came from, kept on the conversation and on its sales."""

from __future__ import annotations

import copy
import json
from datetime import datetime

from sqlalchemy import select

from bot.tenancy.demo.seed import DemoReport
from storage.models import Campaign, Conversation, Message
from tests.support.platforms import World, payload, payload_json
from tests.support.shop import Shop, purchase

WA_CLICK_ID = (
    "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a"
)
PSID = "2000000005"


async def the_conversation(world: World) -> Conversation:
    async with world.sessions() as session:
        (conversation,) = (await session.scalars(select(Conversation))).all()
    return conversation


async def campaign_of(world: World, ad_id: str) -> int:
    async with world.sessions() as session:
        campaign = await session.scalar(select(Campaign).where(Campaign.ad_id == ad_id))
    assert campaign is not None
    return campaign.id


def shop_of(world: World, demo: DemoReport) -> Shop:
    assert demo.api_key is not None
    return Shop(world.client, "demo", demo.api_key)


async def test_a_click_to_whatsapp_ad_is_the_first_and_last_touch_of_the_conversation_and_its_sale(
    world: World, demo: DemoReport
) -> None:
    assert (await world.post("whatsapp", payload("whatsapp", "referral_ad.json"))).status == 200
    await world.settled()
    assert (await world.post("whatsapp", payload("whatsapp", "text.json"))).status == 200  # no referral
    await world.settled()

    conversation = await the_conversation(world)
    campaign_id = await campaign_of(world, "120210000000000001")
    for which in ("first", "last"):
        assert getattr(conversation, f"{which}_touch_source") == "ad"
        assert getattr(conversation, f"{which}_touch_ad_id") == "120210000000000001"
        assert getattr(conversation, f"{which}_touch_ctwa_clid") == WA_CLICK_ID
        assert getattr(conversation, f"{which}_touch_campaign_id") == campaign_id
    async with world.sessions() as session:
        from_the_ad = await session.scalar(select(Message).where(Message.ctwa_clid.is_not(None)))
    assert from_the_ad is not None
    assert from_the_ad.text == "Can I get more info on this?"

    sale = await shop_of(world, demo).report(purchase(conversation_id=conversation.id))

    assert sale.status == 201
    touch = {
        "source": "ad",
        "ad_id": "120210000000000001",
        "ctwa_clid": WA_CLICK_ID,
        "ref": None,
        "campaign_id": campaign_id,
        "at": from_the_ad.created_at,
    }
    first, last = (
        {**sale.conversion[end], "at": datetime.fromisoformat(sale.conversion[end]["at"])}
        for end in ("first_touch", "last_touch")
    )
    assert first == last == touch


async def test_a_messenger_ad_then_an_m_me_link_are_the_first_and_the_last_touch(
    world: World, demo: DemoReport
) -> None:
    assert (await world.post("messenger", payload("messenger", "referral_ad.json"))).status == 200
    await world.settled()
    later = copy.deepcopy(payload_json("messenger", "referral_shortlink.json"))
    later["entry"][0]["messaging"][0]["sender"]["id"] = PSID  # the same customer opens an m.me link
    assert (await world.post("messenger", json.dumps(later).encode())).status == 200
    await world.settled()

    conversation = await the_conversation(world)
    campaign_id = await campaign_of(world, "6045246247433")
    assert (
        conversation.first_touch_source,
        conversation.first_touch_ad_id,
        conversation.first_touch_ref,
        conversation.first_touch_campaign_id,
    ) == ("ad", "6045246247433", "ad_campaign_7", campaign_id)
    assert (
        conversation.last_touch_source,
        conversation.last_touch_ad_id,
        conversation.last_touch_ref,
        conversation.last_touch_campaign_id,
    ) == ("referral", None, "qr_table_12", None)
    assert conversation.first_touch_at is not None
    assert conversation.last_touch_at is not None
    assert conversation.first_touch_at < conversation.last_touch_at

    sale = await shop_of(world, demo).report(purchase(customer_id=conversation.customer_id))

    assert sale.status == 201
    first, last = sale.conversion["first_touch"], sale.conversion["last_touch"]
    assert (first["ad_id"], first["ref"], first["campaign_id"]) == (
        "6045246247433",
        "ad_campaign_7",
        campaign_id,
    )
    assert (last["source"], last["ad_id"], last["ref"], last["ctwa_clid"]) == (
        "referral",
        None,
        "qr_table_12",
        None,
    )


async def test_a_conversation_without_referrals_has_no_touches(world: World, demo: DemoReport) -> None:
    assert (await world.post("messenger", payload("messenger", "text.json"))).status == 200
    await world.settled()

    conversation = await the_conversation(world)
    assert (conversation.first_touch_at, conversation.last_touch_at) == (None, None)
    sale = await shop_of(world, demo).report(purchase(conversation_id=conversation.id))
    assert (sale.conversion["first_touch"], sale.conversion["last_touch"]) == (None, None)
