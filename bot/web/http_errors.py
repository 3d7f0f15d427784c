"""JSON error bodies for every refusal, and a middleware so no request ends in an HTML error page."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web.access_log import loggable_path

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The codes of pydantic's errors that have a name of their own in an error's ``code`` (admin and agent
# APIs alike); any other is "invalid".
VALIDATION_CODES = {"missing": "required", "extra_forbidden": "unknown_field"}


def json_error(status: int, message: str, **extra: object) -> web.Response:
    return web.json_response({"error": {"status": status, "message": message, **extra}}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge as exc:
        return json_error(413, exc.text or "body too large")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return json_error(exc.status, exc.reason)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, loggable_path(request))
        return json_error(500, "internal error")
