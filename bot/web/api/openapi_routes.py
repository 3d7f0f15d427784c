"""`/api/v1/openapi.json`: the OpenAPI 3.1 document of the admin and agent APIs (public, like any API's
reference)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bot.web.agent.agent_route_table import AgentRouteTable
from bot.web.api.openapi_document import build_document
from bot.web.api.route_table import PREFIX, RouteTable

OPENAPI_PATH = PREFIX + "/openapi.json"


def add_routes(
    app: web.Application, tables: Sequence[RouteTable], agent_tables: Sequence[AgentRouteTable]
) -> None:
    # Built at the first request, not with the app: generating the JSON schemas of every request and
    # response model takes about 0.1 s, which every start (and every test's app) would pay for nothing.
    built: list[dict[str, Any]] = []

    async def openapi(_request: web.Request) -> web.StreamResponse:
        if not built:
            built.append(build_document(tables, agent_tables))
        return web.json_response(built[0])

    app.router.add_get(OPENAPI_PATH, openapi)
