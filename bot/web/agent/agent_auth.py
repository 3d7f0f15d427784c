"""Agent authentication (``Authorization: Bearer <agent token>``) and the refusal-to-HTTP mapping.

Every agent route is wrapped by ``agent_route``: no valid token (missing, unknown, or its agent disabled)
is a 401 before anything else runs; the agent is marked seen (presence); a body or query that its route's
pydantic model refuses is a 400 naming the field (``code`` and ``field`` as in the admin API's errors); an
AgentRequestError becomes its status with the reason as the message; a database that does not answer is a
503.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from bot.handoff import agent_presence
from bot.handoff.agent_errors import AgentRequestError, BadRequest, Conflict, NotAllowed, NotFound
from bot.tenancy.agent_accounts import AgentIdentity, authenticate
from bot.web.access_log import loggable_path
from bot.web.app_keys import RUNTIME
from bot.web.http_errors import VALIDATION_CODES, json_error
from storage.db import read_only, transaction
from storage.models import utcnow

log = logging.getLogger(__name__)

AgentHandler = Callable[[web.Request, AgentIdentity], Awaitable[web.StreamResponse]]
# What new_token makes; anything else is refused without a database lookup.
TOKEN_FORM = re.compile(r"[A-Za-z0-9_-]{1,200}")
STATUS: dict[type[AgentRequestError], int] = {NotFound: 404, NotAllowed: 403, Conflict: 409, BadRequest: 400}


def unauthorized() -> web.Response:
    response = json_error(401, "a valid agent token is required (Authorization: Bearer <token>)")
    response.headers["WWW-Authenticate"] = 'Bearer realm="agent"'
    return response


def invalid_request(exc: ValidationError) -> web.Response:
    """The first problem pydantic found in a body or query, as a 400 naming the field."""
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or None
    code = VALIDATION_CODES.get(error["type"], "invalid")
    message = f"unknown field {field}" if code == "unknown_field" else f"{field}: {error['msg']}"
    return json_error(400, message, code=code, field=field)


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not TOKEN_FORM.fullmatch(token):
        return None
    return token


async def current_agent(request: web.Request) -> AgentIdentity | None:
    """The agent the request is made by, marked seen now; None without a valid token."""
    token = bearer_token(request)
    if token is None:
        return None
    sessions = request.app[RUNTIME].sessions
    now = utcnow()
    async with read_only(sessions) as session:
        agent = await authenticate(session, token, now=now)
    if agent is not None and agent_presence.needs_refresh(agent.last_seen_at, now):
        async with transaction(sessions) as session:
            await agent_presence.mark_seen(session, tenant_id=agent.tenant_id, agent_id=agent.id, now=now)
    return agent


def agent_route(handler: AgentHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            agent = await current_agent(request)
            if agent is None:
                return unauthorized()
            return await handler(request, agent)
        except ValidationError as exc:
            return invalid_request(exc)
        except AgentRequestError as exc:
            return json_error(STATUS.get(type(exc), 400), exc.message)
        except (DBAPIError, OSError):
            log.exception("agent API: storage failed on %s %s", request.method, loggable_path(request))
            return json_error(503, "storage unavailable; try again")

    return wrapped


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object (an empty body is an empty object); BadRequest otherwise."""
    if not await request.read():
        return {}
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError; deep nesting recurses
        raise BadRequest("the body is not a readable JSON document") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body
