"""Demo sales: a few past conversations in which the bot offered a link, some clicked and some bought.

They give `chatbot report` something to show on a fresh demo: two monetization sources, two ad
campaigns, and five customers of the last week on a console channel of their own, ``demo-shop`` (standing
in for the shop's Messenger and WhatsApp numbers, so they carry those platforms' referrals: a
Click-to-WhatsApp ad with its ``ctwa_clid``, a Messenger ad, an m.me link's ``ref``; `chatbot chat` talks
on the other console channel and never meets them). Each conversation is one turn of the
bot that offered a tracked link; clicks go through the same code as ``/r/{token}`` and reports of
orders through the same service as ``POST /api/v1/conversions``, so they are attributed as real ones are.

Idempotent: a customer who already has a conversation is left alone; sources and campaigns are created
only when missing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.prices import cost_usd, credits_for
from bot.conversions.conversion_request import ConversionRequest
from bot.conversions.link_clicks import follow_link
from bot.conversions.purchase_callbacks import record_conversion
from bot.conversions.touches import record_touch, touch_of
from bot.handoff.conversation_states import BOT, SYSTEM, transition
from bot.security import CredentialBox
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from storage import campaigns, channels, conversations, turn_attribution
from storage.conversion_records import monetization_source_named
from storage.models import (
    Channel,
    Feedback,
    InboundEvent,
    Message,
    MonetizationSource,
    Tenant,
    TrackedLink,
    UsageLog,
)

SALES_CHANNEL = "demo-shop"
# The demo's one LLM turn, priced as a real one is (bot/billing/prices.py).
LLM_MODEL, LLM_PROMPT_TOKENS, LLM_COMPLETION_TOKENS = "gemini-2.5-flash", 1200, 80
SHOP = "https://shop.democoffee.example"
SOURCES = (("Online shop", "link"), ("Coffee subscriptions", "subscription"))


@dataclass(frozen=True)
class DemoReferral:
    source: str  # ad / referral
    ad_id: str | None = None
    campaign: str | None = None
    ctwa_clid: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class DemoSale:
    user_id: str
    name: str
    days_ago: int
    question: str
    intent: str
    intent_score: float
    route: str
    reply: str
    product: str
    target_path: str
    referral: DemoReferral | None
    clicked: bool
    # What the shop reported afterwards, if anything: outcome, value (EUR), order id, source, how.
    outcome: str | None = None
    value: str = "0"
    order_id: str | None = None
    source: str | None = None
    reported_by: str = "link_token"  # or conversation_id / customer_id
    # The customer's rating of the conversation afterwards (1-5), if they gave one.
    rating: int | None = None


SPRING_AD = DemoReferral(
    "ad", ad_id="120210000000000101", campaign="Spring blend launch", ctwa_clid="ARAkLkA8rmlFeiCktEJQ-demo01"
)
SUBSCRIPTION_AD = DemoReferral("ad", ad_id="120210000000000202", campaign="Subscribe and save")

DEMO_SALES: tuple[DemoSale, ...] = (
    DemoSale(
        "demo-ana", "Ana Souza", 6, "A light roast for my filter machine?", "product_inquiry", 0.86,
        "knowledge", "Our Spring Blend is a light, fruity roast made for filter. Here it is: {link}",
        "Spring Blend 250 g", "/spring-blend", SPRING_AD, clicked=True,
        outcome="purchased", value="34.00", order_id="demo-1001", source="Online shop", rating=5,
    ),
    DemoSale(
        "demo-ben", "Ben Ortiz", 5, "How much is the burr grinder?", "pricing", 0.78,
        "template", "The Hand Burr Grinder is EUR 129. You can order it here: {link}",
        "Hand Burr Grinder", "/burr-grinder", DemoReferral("referral", ref="winter_newsletter"), clicked=True,
        outcome="abandoned", value="129.00", order_id="demo-cart-2002", reported_by="conversation_id",
        rating=3,
    ),
    DemoSale(
        "demo-chloe", "Chloé Martin", 3, "I want a monthly coffee subscription", "purchase_intent", 0.91,
        "llm", "Lovely! The monthly subscription starts at EUR 24 and you can pause any time: {link}",
        "Monthly subscription", "/subscription", SUBSCRIPTION_AD, clicked=True,
        outcome="purchased", value="24.00", order_id="demo-1003", source="Coffee subscriptions",
        reported_by="customer_id", rating=4,
    ),
    DemoSale(
        "demo-dev", "Dev Patel", 2, "Which beans do you have for espresso?", "product_inquiry", 0.74,
        "knowledge", "For espresso we roast the House Blend darker: {link}",
        "House Blend 1 kg", "/house-blend", SPRING_AD, clicked=False,
        outcome="did_nothing", order_id="demo-cart-2004", reported_by="conversation_id",
    ),
    DemoSale(
        "demo-emma", "Emma Weber", 1, "Do you sell gift cards?", "product_inquiry", 0.69,
        "knowledge", "Yes, from EUR 20, sent by e-mail: {link}",
        "Gift card", "/gift-cards", None, clicked=True,
    ),
)  # fmt: skip


async def seed_sales(
    session: AsyncSession, box: CredentialBox, *, tenant: Tenant, bot_name: str, now: datetime
) -> int:
    """Seed the sales not there yet; returns how many conversations were added."""
    tenant_id = tenant.id
    channel = await channels.find_channel(
        session, tenant_id=tenant_id, platform="console", external_id=SALES_CHANNEL
    )
    if channel is None:
        channel = await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(platform="console", name=SALES_CHANNEL, bot_name=bot_name),
        )
        # History only: `chatbot chat` talks on the enabled console channel, never on this one.
        channel.enabled = False
    for name, kind in SOURCES:
        if await monetization_source_named(session, tenant_id=tenant_id, name=name) is None:
            session.add(MonetizationSource(tenant_id=tenant_id, name=name, kind=kind))
    await session.flush()
    added = 0
    for sale in DEMO_SALES:
        if await _seed_sale(session, tenant_id=tenant_id, channel=channel, sale=sale, now=now):
            added += 1
    return added


async def _seed_sale(
    session: AsyncSession, *, tenant_id: int, channel: Channel, sale: DemoSale, now: datetime
) -> bool:
    asked_at = now - timedelta(days=sale.days_ago, hours=2)
    customer = await conversations.get_or_create_customer(
        session,
        tenant_id=tenant_id,
        channel_id=channel.id,
        platform_user_id=sale.user_id,
        name=sale.name,
        now=asked_at,
    )
    if await turn_attribution.latest_conversation_of_customer(
        session, tenant_id=tenant_id, customer_id=customer.id
    ):
        return False
    conversation = await conversations.start_conversation(
        session,
        tenant_id=tenant_id,
        channel_id=channel.id,
        bot_id=channel.bot_id,
        customer_id=customer.id,
        group_id=None,
        conversation_key=sale.user_id,
        now=asked_at,
    )
    event = InboundEvent(
        tenant_id=tenant_id,
        channel_id=channel.id,
        platform_event_id=f"demo-sale:{sale.user_id}",
        conversation_key=sale.user_id,
        kind="message",
        payload={"demo": True},
        status="done",
        attempts=1,
        processed_at=asked_at,
    )
    session.add(event)
    await session.flush()
    referral = sale.referral
    campaign_id = None
    if referral is not None and referral.ad_id:
        campaign_id = await campaigns.upsert_campaign(
            session,
            tenant_id=tenant_id,
            ad_id=referral.ad_id,
            name=referral.campaign,
            source_type="ad",
            now=asked_at,
        )
    question = Message(
        tenant_id=tenant_id,
        conversation_id=conversation.id,
        channel_id=channel.id,
        inbound_event_id=event.id,
        customer_id=customer.id,
        role="user",
        direction="in",
        status="received",
        text=sale.question,
        source=referral.source if referral else "direct",
        ad_id=referral.ad_id if referral else None,
        ctwa_clid=referral.ctwa_clid if referral else None,
        ref=referral.ref if referral else None,
        campaign_id=campaign_id,
        route=sale.route,
        intent=sale.intent,
        intent_score=sale.intent_score,
        sentiment="neutral",
        created_at=asked_at,
    )
    token = secrets.token_urlsafe(12)
    answer = Message(
        tenant_id=tenant_id,
        conversation_id=conversation.id,
        channel_id=channel.id,
        inbound_event_id=event.id,
        role="assistant",
        direction="out",
        status="read",
        text=sale.reply.format(link=f"/r/{token}"),
        route=sale.route,
        created_at=asked_at + timedelta(seconds=3),
        sent_at=asked_at + timedelta(seconds=3),
    )
    session.add_all([question, answer])
    await session.flush()
    if referral is not None:
        record_touch(conversation, touch_of(question))
    session.add(
        TrackedLink(
            tenant_id=tenant_id,
            token=token,
            target_url=SHOP + sale.target_path,
            conversation_id=conversation.id,
            message_id=answer.id,
            bot_id=channel.bot_id,
            product=sale.product,
        )
    )
    conversation.message_count = 2
    conversation.last_inbound_at = conversation.last_activity_at = asked_at
    await transition(session, conversation, "bot_active", actor=BOT, now=asked_at)
    await transition(
        session, conversation, "closed", actor=SYSTEM, now=asked_at + timedelta(days=1), reason="inactivity"
    )
    if sale.route == "llm":
        cost = cost_usd(LLM_MODEL, LLM_PROMPT_TOKENS, LLM_COMPLETION_TOKENS)
        # What an LLM turn logs (bot/billing): the report prices its credits for the bot's ROI.
        session.add(
            UsageLog(
                tenant_id=tenant_id,
                conversation_id=conversation.id,
                message_id=answer.id,
                usage_type="llm",
                credits=credits_for(cost),
                model=LLM_MODEL,
                prompt_tokens=LLM_PROMPT_TOKENS,
                completion_tokens=LLM_COMPLETION_TOKENS,
                cost=cost,
                response_time_ms=1400,
                created_at=answer.created_at,
            )
        )
    if sale.rating is not None:
        session.add(
            Feedback(
                tenant_id=tenant_id,
                conversation_id=conversation.id,
                rating=sale.rating,
                created_at=asked_at + timedelta(hours=1),
            )
        )
    await session.flush()
    clicked_at = asked_at + timedelta(minutes=4)
    if sale.clicked:
        await follow_link(session, token, now=clicked_at)
    if sale.outcome is not None and sale.order_id is not None:
        target: dict[str, object] = {
            "link_token": token,
            "conversation_id": conversation.id,
            "customer_id": customer.id,
        }
        request = ConversionRequest.model_validate(
            {
                sale.reported_by: target[sale.reported_by],
                "outcome": sale.outcome,
                "value": Decimal(sale.value),
                "currency": "EUR",
                "external_order_id": sale.order_id,
                "monetization_source": sale.source,
                "occurred_at": clicked_at + timedelta(minutes=20),
            }
        )
        await record_conversion(session, tenant_id=tenant_id, request=request, now=now)
    return True
