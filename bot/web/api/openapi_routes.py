"""`/api/v1/openapi.json`: the admin API's OpenAPI 3.1 document (public, like any API's reference)."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from bot.web.api.openapi_document import build_document
from bot.web.api.route_table import PREFIX, RouteTable

OPENAPI_PATH = PREFIX + "/openapi.json"


def add_routes(app: web.Application, tables: Sequence[RouteTable]) -> None:
    document = build_document(tables)

    async def openapi(_request: web.Request) -> web.StreamResponse:
        return web.json_response(document)

    app.router.add_get(OPENAPI_PATH, openapi)
