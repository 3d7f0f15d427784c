"""`/r/{token}`: a tracked link the bot handed out answers 302 to its target and records the click.

HEAD requests and link-preview crawlers are redirected without counting. An unknown token is a 404
with a JSON error; a database that cannot be reached is a 503 (the customer can simply click again).
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.exc import DBAPIError

from bot.conversions.link_clicks import follow_link, is_link_preview
from bot.web.app_keys import RUNTIME
from bot.web.http_errors import json_error
from storage.db import transaction
from storage.models import utcnow

log = logging.getLogger(__name__)


async def follow(request: web.Request) -> web.Response:
    counted = request.method == "GET" and not is_link_preview(request.headers.get("User-Agent"))
    try:
        async with transaction(request.app[RUNTIME].sessions) as session:
            click = await follow_link(session, request.match_info["token"], now=utcnow(), counted=counted)
    except (DBAPIError, OSError) as exc:
        # Never the token in a log line: it is the link's only credential.
        log.error("could not follow a tracked link: %s", type(exc).__name__)
        return json_error(503, "storage unavailable; try again")
    if click is None:
        return json_error(404, "no such link")
    return web.Response(
        status=302,
        headers={
            "Location": click.target_url,
            # Every click must reach us to be counted, and the token must not travel on as a referrer.
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/r/{token}", follow)
