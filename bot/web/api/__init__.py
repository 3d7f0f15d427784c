"""The tenant admin API under /api/v1/: resource routes behind the tenant API key, their OpenAPI document
and its reference page (/api/v1/docs)."""

from __future__ import annotations

from aiohttp import web

from bot.web.api import (
    conversion_routes,
    docs_page,
    knowledge_routes,
    openapi_routes,
    route_table,
    template_routes,
)

# Every resource's route table; the OpenAPI document is built from exactly these.
TABLES = (knowledge_routes.routes, template_routes.routes, conversion_routes.routes)


def add_routes(app: web.Application) -> None:
    route_table.register(app, TABLES)
    openapi_routes.add_routes(app, TABLES)
    docs_page.add_routes(app)
