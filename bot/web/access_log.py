"""The access log: method, path with its secret parts masked, status, size, time; no query, no headers.

Paths carry credentials here: the webhook key (for GroupMe the only one), tracked-link tokens; and
Meta's handshake sends ``hub.verify_token`` in the query. A routed request is logged as its route with
only the parts named in ``PUBLIC_PARTS`` filled in (``/webhooks/messenger/***``); a request no route
matched keeps only its first path segment (``/r/***``).
"""

from __future__ import annotations

import logging
import re

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

MASK = "***"
# Route parts (the names in ``/webhooks/{platform}/{channel_key}``) that are safe to log.
PUBLIC_PARTS = frozenset({"platform"})

_PLACEHOLDER = re.compile(r"\{([^}]+)\}")


def loggable_path(request: web.BaseRequest) -> str:
    """The request's path as it may appear in a log line."""
    match_info = getattr(request, "match_info", None)
    resource = match_info.route.resource if match_info is not None else None
    if match_info is None or resource is None:
        return _unrouted(request.path)
    if isinstance(resource, web.StaticResource):
        return request.path  # our own files, by name
    return _PLACEHOLDER.sub(
        lambda part: match_info.get(part[1], MASK) if part[1] in PUBLIC_PARTS else MASK, resource.canonical
    )


def _unrouted(path: str) -> str:
    first, _, rest = path.lstrip("/").partition("/")
    return f"/{first}/{MASK}" if rest else f"/{first}"


class RedactedAccessLogger(AbstractAccessLogger):
    """``POST /webhooks/messenger/*** 200 45B 0.012s``: what ``chatbot serve`` logs per request."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %sB %.3fs",
            request.method,
            loggable_path(request),
            response.status,
            response.body_length,
            time,
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
