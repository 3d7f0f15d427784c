"""Attribution: tracked links, campaigns, monetization sources and the conversions they earn."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from storage.models.declarative import Base, BigId, TenantOwned, one_of

OUTCOMES = ("purchased", "visited", "did_nothing", "abandoned")
SOURCE_KINDS = ("link", "affiliate", "ads", "subscription", "direct")


class Touches:
    """A conversation's (or a conversion's) first and last touch: the referrals it came from.

    A touch is an inbound message that arrived with a referral: a Click-to-Messenger or Click-to-WhatsApp
    ad (ad id, campaign, and on WhatsApp the ``ctwa_clid`` click id), a post, or an m.me link's ``ref``.
    The first touch is set once, by the conversation's first such message; the last by every one.
    """

    first_touch_source: Mapped[str | None] = mapped_column(String(10))
    first_touch_ad_id: Mapped[str | None] = mapped_column(String(128))
    first_touch_ctwa_clid: Mapped[str | None] = mapped_column(Text)
    first_touch_ref: Mapped[str | None] = mapped_column(Text)
    first_touch_at: Mapped[datetime | None]
    last_touch_source: Mapped[str | None] = mapped_column(String(10))
    last_touch_ad_id: Mapped[str | None] = mapped_column(String(128))
    last_touch_ctwa_clid: Mapped[str | None] = mapped_column(Text)
    last_touch_ref: Mapped[str | None] = mapped_column(Text)
    last_touch_at: Mapped[datetime | None]

    @declared_attr
    def first_touch_campaign_id(cls) -> Mapped[int | None]:
        return mapped_column(BigId, ForeignKey("campaigns.id", ondelete="SET NULL"))

    @declared_attr
    def last_touch_campaign_id(cls) -> Mapped[int | None]:
        return mapped_column(BigId, ForeignKey("campaigns.id", ondelete="SET NULL"))


class MonetizationSource(Base, TenantOwned):
    __tablename__ = "monetization_sources"
    __table_args__ = (one_of("kind", SOURCE_KINDS), UniqueConstraint("tenant_id", "name"))

    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))


class Campaign(Base, TenantOwned):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("tenant_id", "ad_id"),)

    ad_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    source_type: Mapped[str | None] = mapped_column(String(50))


class TrackedLink(Base, TenantOwned):
    __tablename__ = "tracked_links"

    token: Mapped[str] = mapped_column(String(64), unique=True)
    target_url: Mapped[str] = mapped_column(Text)
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL")
    )
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id", ondelete="SET NULL"))
    bot_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("bots.id", ondelete="SET NULL"))
    product: Mapped[str | None] = mapped_column(String(200))
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    first_clicked_at: Mapped[datetime | None]


class Conversion(Base, TenantOwned, Touches):
    """What a customer did: visited a tracked link, purchased, abandoned, did nothing.

    ``message_id`` is the bot turn the conversion is attributed to (bot.conversions.attribution), with
    that turn's bot, intent and intent score; the touches are the conversation's when it was recorded.
    """

    __tablename__ = "conversions"
    __table_args__ = (
        one_of("outcome", OUTCOMES),
        CheckConstraint("value >= 0", name="value_non_negative"),
        CheckConstraint(
            "intent_score IS NULL OR (intent_score >= 0 AND intent_score <= 1)", name="intent_score_range"
        ),
        # A purchase callback delivered twice records one sale.
        UniqueConstraint("tenant_id", "external_order_id"),
        Index("ix_conversions_tenant_outcome_time", "tenant_id", "outcome", "occurred_at"),
    )

    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL")
    )
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="SET NULL"))
    tracked_link_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("tracked_links.id", ondelete="SET NULL")
    )
    monetization_source_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("monetization_sources.id", ondelete="SET NULL")
    )
    outcome: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    bot_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("bots.id", ondelete="SET NULL"))
    intent: Mapped[str | None] = mapped_column(String(64))
    intent_score: Mapped[float | None]
    external_order_id: Mapped[str | None] = mapped_column(String(128))
    # SHA-256 of the purchase callback's fields: a repeat with the same order id must carry the same body.
    request_digest: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    notes: Mapped[str | None] = mapped_column(Text)
