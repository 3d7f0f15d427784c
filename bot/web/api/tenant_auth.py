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

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from bot.conversions.conversion_errors import ConversionRefused, OrderConflict
from bot.tenancy import api_callers
from bot.tenancy.api_callers import TenantCaller
from bot.tenancy.tenant_accounts import SLUG_PATTERN
from bot.web.access_log import loggable_path
from bot.web.app_keys import RUNTIME
from bot.web.http_errors import json_error
from storage.db import read_only

log = logging.getLogger(__name__)

TenantHandler = Callable[[web.Request, TenantCaller, bytes], Awaitable[web.StreamResponse]]
MAX_BODY_BYTES = 64 * 1024
TENANT_HEADER = "X-Chatbot-Tenant"
SIGNATURE_HEADER = "X-Chatbot-Signature"
# What new_token makes, and what body_signature makes; anything else is refused without a lookup.
KEY_FORM = re.compile(r"[A-Za-z0-9_-]{1,200}")
SIGNATURE_FORM = re.compile(r"sha256=[0-9a-fA-F]{64}")
# The codes of pydantic's errors that have a name of their own here; any other is "invalid".
VALIDATION_CODES = {"missing": "required", "extra_forbidden": "unknown_field"}


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
    field = str(location[0])
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
            return await api_callers.by_api_key(session, key)
    if signature is not None:
        slug = request.headers.get(TENANT_HEADER, "").strip()
        if not SIGNATURE_FORM.fullmatch(signature.strip()) or not SLUG_PATTERN.fullmatch(slug):
            return None
        async with read_only(runtime.sessions) as session:
            return await api_callers.by_signature(
                session, runtime.credentials, slug=slug, body=body, signature=signature
            )
    return None


def tenant_route(handler: TenantHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            body = await request.read()
            if len(body) > MAX_BODY_BYTES:
                return api_error(413, "too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
            caller = await caller_of(request, body)
            if caller is None:
                return unauthorized()
            return await handler(request, caller, body)
        except web.HTTPRequestEntityTooLarge:
            return api_error(413, "too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
        except ValidationError as exc:
            return validation_error(exc)
        except ConversionRefused as exc:
            status = 409 if isinstance(exc, OrderConflict) else 422
            return api_error(status, exc.code, exc.message, exc.field)
        except (DBAPIError, OSError):
            log.exception("tenant API: storage failed on %s %s", request.method, loggable_path(request))
            return api_error(503, "unavailable", "storage unavailable; try again")

    return wrapped
