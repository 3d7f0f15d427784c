"""Health endpoints: /healthz (the process answers) and /readyz (database reachable, workers running)."""

from __future__ import annotations

from aiohttp import web

from bot.web.app_keys import RUNTIME


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    ok, reason = await request.app[RUNTIME].ready()
    return web.json_response(
        {"status": "ok" if ok else "unavailable", "detail": reason}, status=200 if ok else 503
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
