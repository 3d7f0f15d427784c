"""`/api/v1/customers`: a tenant's customers and their lead history (bot.leads.customer_profiles)."""

from __future__ import annotations

from aiohttp import web

from bot.leads import customer_profiles as service
from bot.leads.customer_profiles import CustomerFilter, CustomerProfile, CustomerView
from bot.web.api.route_table import ApiCall, RouteTable, respond_model, respond_page
from storage.db import read_only

routes = RouteTable("customers")


@routes.get("/customers", "List customers", response=CustomerView, paged=True, query=CustomerFilter)
async def list_customers(call: ApiCall) -> web.StreamResponse:
    where = call.query(CustomerFilter)
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_customers(
            session, call.tenant_id, where, limit=page.limit, before=page.before
        )
    return respond_page(call, found.rows, found.next_before)


@routes.get(
    "/customers/{customer_id}", "Read a customer's profile and lead history", response=CustomerProfile
)
async def get_customer(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        found = await service.customer_profile(session, call.tenant_id, call.id("customer_id"))
    return respond_model(found)
