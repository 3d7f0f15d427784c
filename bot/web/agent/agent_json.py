"""The agents' API's JSON: plain data (frozen dataclasses) as JSON objects, times in ISO 8601 UTC."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web


def plain(value: Any) -> Any:
    """``value`` with dataclasses as dicts, tuples as lists and datetimes as ISO 8601 strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def respond(value: Any, *, status: int = 200) -> web.Response:
    return web.json_response(plain(value), status=status)
