"""``Idempotency-Key`` on the POSTs that create money-related rows: a repeat gets the first answer.

The key's row is inserted in the same transaction as the work (``ApiCall.writing``) and holds the answer
written before commit, so either both are stored or neither is: a failed request can be repeated with the
same key. A repeat with the same key and the same body replays the stored answer (with
``Idempotent-Replayed: true``); with another body it is refused (422); while the first is still running,
its twin waits on the unique key and is then refused (409), to be repeated.
"""

from __future__ import annotations

import hashlib
import re

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import Conflict, Invalid
from storage import idempotent_requests

HEADER = "Idempotency-Key"
KEY_FORM = re.compile(r"[\x21-\x7e]{1,200}")


def request_key(request: web.Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_FORM.fullmatch(key):
        raise Invalid(f"{HEADER} must be 1 to 200 visible ASCII characters", field=HEADER)
    return key


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def replay(
    session: AsyncSession, tenant_id: int, operation: str, key: str, body: bytes
) -> web.Response | None:
    """The stored first answer for this key, or None when the key is new."""
    stored = await idempotent_requests.find(session, tenant_id, operation, key)
    if stored is None:
        return None
    if stored.request_digest != digest(body):
        raise Invalid(
            f"this {HEADER} was used with another body; use a new key for a new request",
            field=HEADER,
            code="idempotency_key_reused",
        )
    response = web.json_response(stored.response_body, status=stored.response_status)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def in_progress() -> Conflict:
    return Conflict(f"a request with this {HEADER} is being processed; repeat it shortly", field=HEADER)
