"""The tenant admin API under /api/v1/: resource routes behind the tenant API key, and their OpenAPI."""

from __future__ import annotations

from aiohttp import web

from bot.web.api import (
    command_routes,
    conversion_routes,
    intent_routes,
    knowledge_routes,
    monetization_source_routes,
    openapi_routes,
    route_table,
    template_routes,
    webhook_routes,
)

# Every resource's route table; the OpenAPI document is built from exactly these.
TABLES = (
    knowledge_routes.routes,
    template_routes.routes,
    command_routes.routes,
    intent_routes.routes,
    conversion_routes.routes,
    monetization_source_routes.routes,
    webhook_routes.routes,
)


def add_routes(app: web.Application) -> None:
    route_table.register(app, TABLES)
    openapi_routes.add_routes(app, TABLES)
