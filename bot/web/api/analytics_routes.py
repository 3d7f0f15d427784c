"""`/api/v1/analytics`: the tenant's report for a period (bot.analytics.report_requests)."""

from __future__ import annotations

from aiohttp import web

from bot.analytics.report_requests import AnalyticsReport, ReportQuery, report_json
from bot.web.api.route_table import ApiCall, RouteTable
from storage.db import read_only
from storage.models import utcnow

routes = RouteTable("analytics")


@routes.get(
    "/analytics",
    "Read the report for a period",
    response=AnalyticsReport,
    query=ReportQuery,
    description=(
        "Conversion rate and ROI per bot, revenue by source, campaign and intent, the lead funnel, groups, "
        "handoffs, containment, CSAT and credits: the JSON of `chatbot report --format json`."
    ),
)
async def get_analytics(call: ApiCall) -> web.StreamResponse:
    query = call.query(ReportQuery)
    async with read_only(call.sessions) as session:
        found = await report_json(session, call.tenant_id, query, now=utcnow())
    return web.json_response(found)
