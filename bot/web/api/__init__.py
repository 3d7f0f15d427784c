"""The tenant admin API under /api/v1/: resource routes behind the tenant API key, and their OpenAPI."""

from __future__ import annotations

from aiohttp import web

from bot.web.api import (
    agent_routes,
    api_key_routes,
    bot_routes,
    channel_routes,
    conversion_routes,
    knowledge_routes,
    openapi_routes,
    route_table,
    template_routes,
    tenant_routes,
)

# Every resource's route table; the OpenAPI document is built from exactly these.
TABLES = (
    knowledge_routes.routes,
    template_routes.routes,
    conversion_routes.routes,
    tenant_routes.routes,
    bot_routes.routes,
    channel_routes.routes,
    agent_routes.routes,
    api_key_routes.routes,
)


def add_routes(app: web.Application) -> None:
    route_table.register(app, TABLES)
    openapi_routes.add_routes(app, TABLES)
