"""`/api/v1/credits` and `/api/v1/usage`: the credit account, its ledger and the usage log (read only)."""

from __future__ import annotations

from aiohttp import web

from bot.billing import credit_reads as service
from bot.billing.credit_reads import CreditAccountView, LedgerEntry, LedgerFilter, UsageEntry, UsageFilter
from bot.web.api.route_table import ApiCall, RouteTable, respond_model, respond_page
from storage.db import read_only, transaction
from storage.models import utcnow

routes = RouteTable("credits")


@routes.get(
    "/credits",
    "Read the credit account, its plan and limits",
    response=CreditAccountView,
    description="The current period's: a period that has ended is rolled over first.",
)
async def get_credits(call: ApiCall) -> web.StreamResponse:
    async with transaction(call.sessions) as session:
        found = await service.credit_account(session, call.tenant_id, utcnow())
    return respond_model(found)


@routes.get("/credits/ledger", "List the credit ledger", response=LedgerEntry, paged=True, query=LedgerFilter)
async def list_credit_ledger(call: ApiCall) -> web.StreamResponse:
    where = call.query(LedgerFilter)
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.ledger(session, call.tenant_id, where, limit=page.limit, before=page.before)
    return respond_page(call, found.rows, found.next_before)


@routes.get("/usage", "List the usage log (LLM calls)", response=UsageEntry, paged=True, query=UsageFilter)
async def list_usage(call: ApiCall) -> web.StreamResponse:
    where = call.query(UsageFilter)
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.usage(session, call.tenant_id, where, limit=page.limit, before=page.before)
    return respond_page(call, found.rows, found.next_before)
