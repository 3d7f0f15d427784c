"""What Messenger and WhatsApp share: handshake, X-Hub-Signature-256, webhook field readers, Graph errors."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import httpx

from adapters.base import (
    HandshakeRejected,
    MalformedRequest,
    PermanentSendFailure,
    RetryableSendFailure,
    SendFailed,
    SignatureMismatch,
    load_json,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"

# Graph error codes (and code/subcode pairs) that say "try again"; rate limits wait longer.
RETRYABLE_CODES = frozenset({1, 2, 1200, 131000, 131016})
RATE_LIMIT_CODES = frozenset({4, 613, 80007, 130429, 131056, 131048})
RATE_LIMIT_PAUSE_SECONDS = 60.0
# Outside the messaging window: Messenger 10 / 2018278, WhatsApp 131047.
WINDOW_CLOSED_CODES = frozenset({131047, 2018278})
CREDENTIAL_CODES = frozenset({190})


def is_window_closed(code: str | int | None) -> bool:
    """Whether a Graph error code (as a number or as text, e.g. a failed WhatsApp status) means the window."""
    return code is not None and str(code).rsplit("/", 1)[-1] in {str(c) for c in WINDOW_CLOSED_CODES}


def handshake(query: Mapping[str, str], credentials: Mapping[str, str]) -> str:
    """Meta's GET subscription check: echo ``hub.challenge`` if mode and verify token match."""
    expected = credentials.get("verify_token", "")
    given = query.get("hub.verify_token", "")
    if query.get("hub.mode") != "subscribe" or not expected or not _same(given, expected):
        raise HandshakeRejected("verify token does not match")
    challenge = query.get("hub.challenge")
    if not challenge:
        raise HandshakeRejected("hub.challenge is missing")
    return challenge


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta would send for ``body`` (also used by tests and fakes)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def authenticate(headers: Mapping[str, str], body: bytes, credentials: Mapping[str, str]) -> None:
    """HMAC-SHA256 of the raw body with the app secret, compared in constant time."""
    secret = credentials.get("app_secret")
    if not secret:
        raise SignatureMismatch("the channel has no app secret, so no request can be verified")
    given = _header(headers, SIGNATURE_HEADER)
    if not given:
        raise SignatureMismatch(f"missing {SIGNATURE_HEADER} header")
    if not _same(given.strip().lower(), sign(body, secret)):
        raise SignatureMismatch(f"{SIGNATURE_HEADER} does not match the body")


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of a value from the request with ours; any text, however odd, may arrive.

    ``hmac.compare_digest`` refuses str with non-ASCII characters (a TypeError, so a 500), hence bytes;
    surrogatepass, because a header's undecodable bytes reach us as lone surrogates.
    """
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def load_json_object(body: bytes, expected_object: str) -> dict[str, Any]:
    """Parse a webhook body and check its ``object`` and ``entry`` list; raises MalformedRequest."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise MalformedRequest("body must be a JSON object")
    if data.get("object") != expected_object:
        raise MalformedRequest(f"'object' must be {expected_object!r}, got {data.get('object')!r}")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise MalformedRequest("'entry' must be a list")
    return data


def require_object(value: object, where: str) -> dict[str, Any]:
    """``value`` as a JSON object; the error names ``where`` it is missing or of the wrong type."""
    if value is None:
        raise MalformedRequest(f"{where} is missing")
    if not isinstance(value, dict):
        raise MalformedRequest(f"{where} must be an object")
    return value


def require_string(container: dict[str, Any], key: str, where: str) -> str:
    """``container[key]`` as a non-empty string; the error names ``where``.``key``."""
    value = container.get(key)
    if value is None:
        raise MalformedRequest(f"{where}.{key} is missing")
    if not isinstance(value, str) or not value:
        raise MalformedRequest(f"{where}.{key} must be a non-empty string")
    return value


def classify_error(response: httpx.Response) -> SendFailed:
    """Turn a Graph API error response into a retryable or permanent failure.

    Graph's error code decides where there is one; a body that is not Graph's error envelope (a
    proxy's HTML page, a list, a bare string or number) is classified by its HTTP status alone.
    """
    retry_after = _retry_after(response)
    error = _graph_error(response)
    code = _error_number(error.get("code"))
    subcode = _error_number(error.get("error_subcode"))
    given = error.get("message")
    message = given.strip() if isinstance(given, str) and given.strip() else ""
    message = message or response.reason_phrase or f"HTTP {response.status_code}"
    label = f"{code}/{subcode}" if code is not None and subcode else (str(code) if code is not None else None)
    label = label or str(response.status_code)
    if code in CREDENTIAL_CODES:
        return PermanentSendFailure(message, code=label, credentials_invalid=True)
    if code in WINDOW_CLOSED_CODES or subcode in WINDOW_CLOSED_CODES:
        return PermanentSendFailure(message, code=label, window_closed=True)
    if code in RATE_LIMIT_CODES or response.status_code == 429:
        return RetryableSendFailure(
            message, code=label, retry_after=RATE_LIMIT_PAUSE_SECONDS if retry_after is None else retry_after
        )
    if code in RETRYABLE_CODES or response.status_code >= 500:
        return RetryableSendFailure(message, code=label, retry_after=retry_after)
    return PermanentSendFailure(message, code=label)


def _graph_error(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of Graph's envelope, or an empty dict when the body is anything else."""
    try:
        data = response.json()
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep to parse
        return {}
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else {}


def _error_number(value: object) -> int | None:
    # Graph sends integers; anything else (a list, a float, true) names no known code.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None
