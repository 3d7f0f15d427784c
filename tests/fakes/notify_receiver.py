"""A local fake of a tenant's notification receiver: checks the signature as the README tells receivers to.

``POST /hooks`` is answered 204 when the request is well formed and its ``X-Chatbot-Signature`` is the
HMAC-SHA256 of ``"<X-Chatbot-Timestamp>.<raw body>"`` under the receiver's secret; 401 when the signature
does not verify, 400 when a header is missing or the body is not JSON. ``fail(status, times)`` answers the
next requests with ``status`` instead (after recording them); ``hang(times)`` never answers them.
The signature is verified here independently of the runtime's own code, from the documented rule.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import LocalServer

REQUIRED_HEADERS = ("X-Chatbot-Event", "X-Chatbot-Delivery", "X-Chatbot-Timestamp", "X-Chatbot-Signature")


def verify(secret: str, timestamp: str, raw_body: bytes, signature_header: str) -> bool:
    """The README's check, as a receiver would write it."""
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", signature_header)


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it, and how it answered."""

    headers: dict[str, str]
    raw_body: bytes
    json: Any
    signature_valid: bool
    status: int

    @property
    def delivery_id(self) -> str:
        return self.headers.get("X-Chatbot-Delivery", "")


class FakeNotifyReceiver(LocalServer):
    def __init__(self, secret: str = "") -> None:
        super().__init__()
        self.secret = secret
        self.received: list[Received] = []
        self._script: deque[int | None] = deque()

    @property
    def url(self) -> str:
        return f"{self.base_url}/hooks"

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]

    def fail(self, status: int, times: int = 1) -> None:
        self._script.extend([status] * times)

    def hang(self, times: int = 1) -> None:
        self._script.extend([None] * times)

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/hooks", self._hook)

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        headers = {name: request.headers.get(name, "") for name in (*REQUIRED_HEADERS, "Content-Type")}
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        valid = all(headers[name] for name in REQUIRED_HEADERS) and verify(
            self.secret, headers["X-Chatbot-Timestamp"], raw, headers["X-Chatbot-Signature"]
        )
        if self._script:
            scripted = self._script.popleft()
            if scripted is None:
                self.received.append(Received(headers, raw, body, valid, 0))
                await self._closing.wait()
                raise web.HTTPServiceUnavailable()
            status = scripted
        elif body is None or headers["Content-Type"] != "application/json":
            status = 400
        elif not valid:
            status = 401
        else:
            status = 204
        self.received.append(Received(headers, raw, body, valid, status))
        return web.Response(status=status)
