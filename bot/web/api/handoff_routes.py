"""`/api/v1/handoffs` and `/api/v1/feedback`: handoffs to humans and customers' ratings (read only)."""

from __future__ import annotations

from aiohttp import web

from bot.handoff import handoff_reads as service
from bot.handoff.handoff_reads import FeedbackFilter, FeedbackView, HandoffFilter, HandoffView
from bot.web.api.route_table import ApiCall, RouteTable, respond_page
from storage.db import read_only

routes = RouteTable("handoffs")


@routes.get("/handoffs", "List handoffs to humans", response=HandoffView, paged=True, query=HandoffFilter)
async def list_handoffs(call: ApiCall) -> web.StreamResponse:
    where = call.query(HandoffFilter)
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_handoffs(
            session, call.tenant_id, where, limit=page.limit, before=page.before
        )
    return respond_page(call, found.rows, found.next_before)


@routes.get(
    "/feedback", "List customers' ratings (CSAT)", response=FeedbackView, paged=True, query=FeedbackFilter
)
async def list_feedback(call: ApiCall) -> web.StreamResponse:
    where = call.query(FeedbackFilter)
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_feedback(
            session, call.tenant_id, where, limit=page.limit, before=page.before
        )
    return respond_page(call, found.rows, found.next_before)
