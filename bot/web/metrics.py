"""`GET /metrics`: Prometheus metrics of this process (or of every `--workers` process) and the queues.

Open by default, as scrapers expect: the metrics carry counts by platform, route and error class and no
tenant, customer, text, key or token. With ``CHATBOT_METRICS_TOKEN`` set it wants
``Authorization: Bearer <token>`` (compared in constant time).
"""

from __future__ import annotations

import hmac

from aiohttp import web

from bot.observability.exposition import CONTENT_TYPE, render_metrics
from bot.web.app_keys import RUNTIME
from bot.web.http_errors import json_error

PATH = "/metrics"


async def metrics(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    token = runtime.settings.metrics_token
    if token is not None and not _bearer_matches(request, token.get_secret_value()):
        response = json_error(401, "a valid metrics token is required (Authorization: Bearer <token>)")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = await render_metrics(runtime.sessions, runtime.settings.prometheus_multiproc_dir)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def _bearer_matches(request: web.Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, metrics)
