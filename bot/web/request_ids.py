"""Every request gets an id: the caller's ``X-Request-Id`` when it is a plausible id, else a new one.

The id is bound to the request's log lines (the access log's included) and sent back in the response's
``X-Request-Id``, so a proxy's log, ours and the caller's can be matched. A given id that is too long or
has characters outside ``[A-Za-z0-9._:-]`` is replaced, never logged.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.observability import log_context

HEADER = "X-Request-Id"
_PLAUSIBLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_id_of(request: web.BaseRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if _PLAUSIBLE.fullmatch(given) else uuid.uuid4().hex


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request_id_of(request)
    # Not unbound: aiohttp runs each request in a task of its own, and the access log line, written in
    # that task after this returns, carries the id too.
    log_context.bind(request_id=request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[HEADER] = request_id
        raise
    if not response.prepared:  # a stream (live events) has sent its headers already
        response.headers[HEADER] = request_id
    return response
