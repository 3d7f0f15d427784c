"""The tenant admin API under /api/v1/: resource routes behind the tenant API key, the OpenAPI document
(which describes the agent API's routes too, bot/web/agent/), and its reference page (/api/v1/docs)."""

from __future__ import annotations

from aiohttp import web

from bot.web import agent
from bot.web.api import (
    agent_account_routes,
    analytics_routes,
    api_key_routes,
    bot_routes,
    channel_routes,
    command_routes,
    conversation_routes,
    conversion_routes,
    credit_routes,
    customer_routes,
    docs_page,
    handoff_routes,
    intent_routes,
    knowledge_routes,
    monetization_source_routes,
    notification_routes,
    openapi_routes,
    route_table,
    synonym_routes,
    template_routes,
    tenant_routes,
)

# Every resource's route table; the OpenAPI document is built from exactly these.
TABLES = (
    tenant_routes.routes,
    bot_routes.routes,
    channel_routes.routes,
    knowledge_routes.routes,
    template_routes.routes,
    command_routes.routes,
    intent_routes.routes,
    synonym_routes.routes,
    agent_account_routes.routes,
    api_key_routes.routes,
    notification_routes.routes,
    monetization_source_routes.routes,
    conversation_routes.routes,
    customer_routes.routes,
    handoff_routes.routes,
    credit_routes.routes,
    conversion_routes.routes,
    analytics_routes.routes,
)


def add_routes(app: web.Application) -> None:
    route_table.register(app, TABLES)
    openapi_routes.add_routes(app, TABLES, agent.TABLES)
    docs_page.add_routes(app)
