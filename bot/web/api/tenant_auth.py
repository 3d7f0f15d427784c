"""Tenant API authentication and its refusals, as ``{"error": {"status", "code", "message", "field"}}``.

Every tenant route is wrapped by ``tenant_route``: the body is read (at most ``MAX_BODY_BYTES``), the
caller authenticated (bot.tenancy.api_callers: ``Authorization: Bearer <API key>``, or ``X-Chatbot-Tenant``
with ``X-Chatbot-Signature`` over the raw body) before anything else runs, else 401; then the handler
runs. A body that is not a JSON object is a 400; a field that fails validation (pydantic) or that the
service refuses is a 422 naming the field; a conflict is a 409; a database that does not answer a 503.
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
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversions.conversion_errors import ConversionRefused, OrderConflict
from bot.errors import AdminError
from bot.tenancy import api_callers
from bot.tenancy.agent_accounts import authenticate
from bot.tenancy.api_callers import TenantCaller
from bot.tenancy.config_errors import ConfigRefused, Forbidden
from bot.tenancy.tenant_accounts import SLUG_PATTERN
from bot.web.access_log import loggable_path
from bot.web.app_keys import RUNTIME
from bot.web.http_errors import VALIDATION_CODES, json_error
from storage.db import read_only, transaction
from storage.models import utcnow

log = logging.getLogger(__name__)

# Agent tokens (bot/tenancy/agent_accounts.py) start with this; tenant API keys with "cbk_".
AGENT_TOKEN_PREFIX = "cba_"  # noqa: S105 - a prefix, not a secret
TenantHandler = Callable[[web.Request, TenantCaller, bytes], Awaitable[web.StreamResponse]]
MAX_BODY_BYTES = 64 * 1024
TENANT_HEADER = "X-Chatbot-Tenant"
SIGNATURE_HEADER = "X-Chatbot-Signature"
# What new_token makes, and what body_signature makes; anything else is refused without a lookup.
KEY_FORM = re.compile(r"[A-Za-z0-9_-]{1,200}")
SIGNATURE_FORM = re.compile(r"sha256=[0-9a-fA-F]{64}")


def api_error(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    return json_error(status, message, code=code, field=field)


def unauthorized() -> web.Response:
    response = api_error(
        401,
        "unauthorized",
        "a valid tenant API key (Authorization: Bearer <key>) or a signed body "
        f"({TENANT_HEADER} and {SIGNATURE_HEADER}) is required",
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="tenant"'
    return response


def validation_error(exc: ValidationError) -> web.Response:
    """The first problem pydantic found: a body that is no JSON object is a 400, a bad field a 422."""
    error = exc.errors(include_url=False)[0]
    location = error["loc"]
    if not location:
        return api_error(400, "invalid_json", "the body must be a JSON object")
    field = ".".join(str(part) for part in location)
    code = VALIDATION_CODES.get(error["type"], "invalid")
    if code == "unknown_field":
        return api_error(422, code, f"unknown field {field}", field)
    return api_error(422, code, f"{field}: {error['msg']}", field)


async def caller_of(request: web.Request, body: bytes) -> TenantCaller | None:
    runtime = request.app[RUNTIME]
    authorization = request.headers.get("Authorization")
    signature = request.headers.get(SIGNATURE_HEADER)
    if authorization is not None:
        scheme, _, key = authorization.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not KEY_FORM.fullmatch(key):
            return None
        async with read_only(runtime.sessions) as session:
            if key.startswith(AGENT_TOKEN_PREFIX):
                return await _admin_agent(session, key)
            caller = await api_callers.by_api_key(session, key)
        now = utcnow()
        if caller is not None and api_callers.needs_use_mark(caller, now):
            async with transaction(runtime.sessions) as session:
                await api_callers.mark_key_used(session, caller, now)
        return caller
    if signature is not None:
        slug = request.headers.get(TENANT_HEADER, "").strip()
        if not SIGNATURE_FORM.fullmatch(signature.strip()) or not SLUG_PATTERN.fullmatch(slug):
            return None
        async with read_only(runtime.sessions) as session:
            return await api_callers.by_signature(
                session, runtime.credentials, slug=slug, body=body, signature=signature
            )
    return None


async def _admin_agent(session: AsyncSession, token: str) -> TenantCaller | None:
    """An agent token may use the tenant API when its agent has the admin role; another agent gets 403."""
    agent = await authenticate(session, token, now=utcnow())
    if agent is None:
        return None
    if not agent.is_admin:
        raise Forbidden("this agent token lacks the admin role that the tenant API requires")
    return TenantCaller(agent.tenant_id, agent.tenant_slug, api_callers.AGENT_ADMIN)


async def _read_limited(request: web.Request, max_body: int) -> bytes | None:
    """The body, or None when it is longer than ``max_body`` (read no further than that)."""
    if request.content_length is not None and request.content_length > max_body:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > max_body:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def tenant_route(handler: TenantHandler | None = None, *, max_body: int = MAX_BODY_BYTES) -> Any:
    """Wrap a tenant API handler (usable as ``@tenant_route`` or ``tenant_route(handler, max_body=N)``)."""
    if handler is None:
        return functools.partial(tenant_route, max_body=max_body)
    inner = handler

    @functools.wraps(inner)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        too_large = f"the body must be at most {max_body} bytes"
        try:
            body = await _read_limited(request, max_body)
            if body is None:
                return api_error(413, "too_large", too_large)
            caller = await caller_of(request, body)
            if caller is None:
                return unauthorized()
            return await inner(request, caller, body)
        except web.HTTPRequestEntityTooLarge:
            return api_error(413, "too_large", too_large)
        except ValidationError as exc:
            return validation_error(exc)
        except ConversionRefused as exc:
            status = 409 if isinstance(exc, OrderConflict) else 422
            return api_error(status, exc.code, exc.message, exc.field)
        except ConfigRefused as exc:
            return api_error(exc.status, exc.code, exc.message, exc.field)
        except AdminError as exc:
            return api_error(422, "invalid", str(exc))
        except (DBAPIError, OSError):
            log.exception("tenant API: storage failed on %s %s", request.method, loggable_path(request))
            return api_error(503, "unavailable", "storage unavailable; try again")

    return wrapped
