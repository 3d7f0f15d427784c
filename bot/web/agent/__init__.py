"""The agents' API under /api/v1/agent/: JSON routes and the live event stream, behind agent tokens."""

from __future__ import annotations

from aiohttp import web

from bot.web.agent import agent_routes, agent_stream


def add_routes(app: web.Application) -> None:
    agent_routes.add_routes(app)
    agent_stream.add_routes(app)
