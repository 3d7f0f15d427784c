"""The ids a log line carries besides its message: request, tenant, event and conversation (contextvars).

The web middleware binds the request id, the turn processor the event's ids, the outbox sender the
conversation of a send. A binding lives in the asyncio task that made it (aiohttp runs each request in
its own task, the claim loops each claim), so ids never leak from one request or turn into another.
Only ids: never a message's text, a key or a token.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

FIELDS: Final = ("request_id", "tenant_id", "event_id", "conversation_id")

_ids: contextvars.ContextVar[Mapping[str, str | int]] = contextvars.ContextVar(
    "log_ids", default=MappingProxyType({})
)


def bind(**ids: str | int | None) -> contextvars.Token[Mapping[str, str | int]]:
    """Add ids (None: unknown, left out) to this task's log lines; ``unbind(token)`` restores the old ones."""
    unknown = set(ids) - set(FIELDS)
    if unknown:
        raise TypeError(f"not a log id: {', '.join(sorted(unknown))}")
    return _ids.set({**_ids.get(), **{k: v for k, v in ids.items() if v is not None}})


def unbind(token: contextvars.Token[Mapping[str, str | int]]) -> None:
    _ids.reset(token)


def current_ids() -> Mapping[str, str | int]:
    """The ids bound in this task, in ``FIELDS`` order."""
    bound = _ids.get()
    return {name: bound[name] for name in FIELDS if name in bound}
