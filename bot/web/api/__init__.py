"""The tenant API under /api/v1/: routes a tenant calls with its API key (or a signed body)."""

from __future__ import annotations

from aiohttp import web

from bot.web.api import conversion_routes


def add_routes(app: web.Application) -> None:
    conversion_routes.add_routes(app)
