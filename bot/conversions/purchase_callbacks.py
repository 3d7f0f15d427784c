"""Record what a shop reports about an order (``POST /api/v1/conversions``): once per order id, attributed.

The order id is the idempotency key: the tenant's first report of an order records a conversion; a
report sent again with the same order id and the same body (the shop's retry) returns the stored one and
records nothing; the same order id with a different body is refused (OrderConflict), since one of the
two must be wrong. Concurrent repeats record one conversion (storage.conversion_records).

Whose conversion it is comes from exactly one of a tracked link's token, a conversation id or a customer
id, each of the calling tenant only (another tenant's is "not found", like one that does not exist). The
conversion is attributed to a bot turn by bot.conversions.attribution. A new purchase raises the
customer's lead (bot.leads). Every refusal is raised before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversions import attribution
from bot.conversions.conversion_errors import InvalidConversion, OrderConflict
from bot.conversions.conversion_request import CENT, ConversionRequest
from bot.conversions.touches import Touch, touches_of
from bot.leads.lead_updates import record_purchase
from bot.tenancy.tenant_accounts import attribution_window
from storage import conversion_records, tenants, tracked_links
from storage.models import Conversation, Conversion, Customer, MonetizationSource
from storage.sql import get_owned

# A shop's clock may run a little ahead of ours; a purchase further in the future is a mistake.
CLOCK_SKEW = timedelta(minutes=5)
TARGETS = ("link_token", "conversation_id", "customer_id")


@dataclass(frozen=True)
class ConversionView:
    """A stored conversion as the API shows it (``value`` as a decimal string, e.g. "12.50")."""

    id: int
    outcome: str
    value: str
    currency: str
    external_order_id: str | None
    occurred_at: datetime
    conversation_id: int | None
    customer_id: int | None
    message_id: int | None
    tracked_link_id: int | None
    bot_id: int | None
    intent: str | None
    intent_score: float | None
    monetization_source_id: int | None
    first_touch: Touch | None
    last_touch: Touch | None
    created_at: datetime


@dataclass(frozen=True)
class Recorded:
    conversion: ConversionView
    created: bool  # False: the order was recorded before, by a request with the same body


async def record_conversion(
    session: AsyncSession, *, tenant_id: int, request: ConversionRequest, now: datetime
) -> Recorded:
    target = _one_target(request)
    digest = request.fingerprint()
    stored = await conversion_records.conversion_by_order_id(
        session, tenant_id=tenant_id, external_order_id=request.external_order_id
    )
    if stored is not None:
        return _repeat(stored, digest)
    occurred_at = request.occurred_at or now
    if occurred_at > now + CLOCK_SKEW:
        raise InvalidConversion("occurred_at is in the future", field="occurred_at")
    source_id = await _monetization_source(session, tenant_id, request.monetization_source)
    tenant = await tenants.get_tenant(session, tenant_id)
    window = attribution_window(tenant.settings if tenant else None)
    found, link_id = await _attribute(session, tenant_id, request, target, at=occurred_at, window=window)
    row: dict[str, Any] = {
        "tenant_id": tenant_id,
        "outcome": request.outcome,
        "value": request.value.quantize(CENT),
        "currency": request.currency,
        "external_order_id": request.external_order_id,
        "request_digest": digest,
        "monetization_source_id": source_id,
        "tracked_link_id": link_id,
        "occurred_at": occurred_at,
        "created_at": now,
        "updated_at": now,
        **found.columns(),
    }
    created = await conversion_records.insert_conversion(session, row)
    stored = await conversion_records.conversion_by_order_id(
        session, tenant_id=tenant_id, external_order_id=request.external_order_id
    )
    assert stored is not None  # inserted now, or by a concurrent request that committed first
    if not created:
        return _repeat(stored, digest)
    if request.outcome == "purchased" and found.customer_id is not None:
        await record_purchase(session, tenant_id, found.customer_id, now=now)
    return Recorded(view(stored), created=True)


def view(conversion: Conversion) -> ConversionView:
    first, last = touches_of(conversion)
    return ConversionView(
        id=conversion.id,
        outcome=conversion.outcome,
        value=str(Decimal(conversion.value).quantize(CENT)),
        currency=conversion.currency,
        external_order_id=conversion.external_order_id,
        occurred_at=conversion.occurred_at,
        conversation_id=conversion.conversation_id,
        customer_id=conversion.customer_id,
        message_id=conversion.message_id,
        tracked_link_id=conversion.tracked_link_id,
        bot_id=conversion.bot_id,
        intent=conversion.intent,
        intent_score=conversion.intent_score,
        monetization_source_id=conversion.monetization_source_id,
        first_touch=first,
        last_touch=last,
        created_at=conversion.created_at,
    )


def _one_target(request: ConversionRequest) -> str:
    given = [name for name in TARGETS if getattr(request, name) is not None]
    if len(given) != 1:
        raise InvalidConversion(
            "give exactly one of link_token, conversation_id or customer_id",
            field=given[1] if len(given) > 1 else TARGETS[0],
            code="required" if not given else "invalid",
        )
    return given[0]


def _repeat(stored: Conversion, digest: str) -> Recorded:
    if stored.request_digest != digest:
        raise OrderConflict(
            "this external_order_id was recorded before with a different body",
            field="external_order_id",
        )
    return Recorded(view(stored), created=False)


async def _monetization_source(session: AsyncSession, tenant_id: int, given: int | str | None) -> int | None:
    if given is None:
        return None
    if isinstance(given, int):
        source = await get_owned(session, MonetizationSource, tenant_id, given)
    else:
        source = await conversion_records.monetization_source_named(session, tenant_id=tenant_id, name=given)
    if source is None:
        raise InvalidConversion("no such monetization source", field="monetization_source", code="not_found")
    return source.id


async def _attribute(
    session: AsyncSession,
    tenant_id: int,
    request: ConversionRequest,
    target: str,
    *,
    at: datetime,
    window: timedelta,
) -> tuple[attribution.Attribution, int | None]:
    """The conversion's attribution, and its tracked link's id when it came through one."""
    if target == "link_token":
        assert request.link_token is not None
        link = await tracked_links.find_link_by_token(session, request.link_token)
        if link is None or link.tenant_id != tenant_id:
            raise InvalidConversion("no such tracked link", field="link_token", code="not_found")
        return await attribution.for_link(session, link, at=at, window=window), link.link_id
    if target == "conversation_id":
        assert request.conversation_id is not None
        conversation = await get_owned(session, Conversation, tenant_id, request.conversation_id)
        if conversation is None:
            raise InvalidConversion("no such conversation", field="conversation_id", code="not_found")
        return await attribution.for_conversation(session, conversation, at=at, window=window), None
    assert request.customer_id is not None
    customer = await get_owned(session, Customer, tenant_id, request.customer_id)
    if customer is None:
        raise InvalidConversion("no such customer", field="customer_id", code="not_found")
    return await attribution.for_customer(session, customer, at=at, window=window), None
