"""`/api/v1/conversions`: a shop reports a purchase (or an abandoned cart, or nothing bought); the
tenant lists and reads the conversions recorded (bot.conversions.conversion_reads).

Parse the body (bot.conversions.conversion_request), record it for the calling tenant in one transaction
(bot.conversions.purchase_callbacks), answer 201 with the conversion, or 200 with the stored one when the
same order was reported before with the same body (the external order id is a natural idempotency key;
an Idempotency-Key header is honoured too).
"""

from __future__ import annotations

from aiohttp import web

from bot.conversions import conversion_reads
from bot.conversions.conversion_reads import ConversionFilter, ConversionRecord
from bot.conversions.conversion_request import ConversionRequest
from bot.conversions.purchase_callbacks import ConversionView, record_conversion
from bot.tenancy.schema_base import ResponseModel
from bot.web.api.route_table import ApiCall, RouteTable, respond_model, respond_page
from storage.db import read_only
from storage.models import utcnow

routes = RouteTable("conversions")


class ConversionAnswer(ResponseModel):
    conversion: ConversionView


@routes.post(
    "/conversions",
    "Report a purchase, an abandoned cart or no purchase",
    body=ConversionRequest,
    response=ConversionAnswer,
    status=201,
    replays=True,
    idempotent=True,
    description=(
        "Authenticated by the API key, or by `X-Chatbot-Tenant: <slug>` with `X-Chatbot-Signature: "
        "sha256=<HMAC-SHA256 of the raw body>` keyed with the tenant's signing secret. The same "
        "`external_order_id` with the same body answers 200 with the stored conversion; "
        "with another body, 409."
    ),
)
async def create_conversion(call: ApiCall) -> web.StreamResponse:
    conversion = call.parsed(ConversionRequest)
    async with call.writing() as session:
        recorded = await record_conversion(
            session, tenant_id=call.tenant_id, request=conversion, now=utcnow()
        )
        answer = ConversionAnswer(conversion=recorded.conversion)
        return call.answer(answer, status=201 if recorded.created else 200)


@routes.get("/conversions", "List conversions", response=ConversionRecord, paged=True, query=ConversionFilter)
async def list_conversions(call: ApiCall) -> web.StreamResponse:
    where = call.query(ConversionFilter)
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await conversion_reads.list_conversions(
            session, call.tenant_id, where, limit=page.limit, before=page.before
        )
    return respond_page(call, found.rows, found.next_before)


@routes.get("/conversions/{conversion_id}", "Read a conversion", response=ConversionRecord)
async def get_conversion(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        found = await conversion_reads.get_conversion(session, call.tenant_id, call.id("conversion_id"))
    return respond_model(found)
