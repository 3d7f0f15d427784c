"""The agents' API under /api/v1/agent/: JSON routes and the live event stream, behind agent tokens.

Its routes are described in the same OpenAPI document as the admin API (/api/v1/openapi.json), each
operation with the agent token as its security scheme.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.agent import agent_route_table, agent_routes, agent_stream

# Every agent route table; the agent operations of the OpenAPI document are built from exactly these.
TABLES = (agent_routes.inbox, agent_routes.actions, agent_routes.customers, agent_stream.events_table)


def add_routes(app: web.Application) -> None:
    agent_route_table.register(app, TABLES)
    agent_stream.add_stream_closing(app)
