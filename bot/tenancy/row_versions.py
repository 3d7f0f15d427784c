"""A configuration row's version as an HTTP entity tag, and the check that refuses a write to a stale one.

The tag is derived from the row's id and ``updated_at`` (set on every ORM update), so any edit gives a new
tag; counters the turns bump in bulk (usage counts) do not change it, so an editor is not refused because
the bot used an entry meanwhile. The check runs inside the writing transaction, after the row was read
with ``FOR UPDATE`` (PostgreSQL) or under SQLite's write lock, so two editors cannot both pass it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Protocol

from bot.tenancy.config_errors import Stale


class Versioned(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def updated_at(self) -> datetime: ...


def etag_of(row: Versioned) -> str:
    """A strong entity tag (quoted, as HTTP writes it) for the row's current version."""
    seed = f"{type(row).__name__}:{row.id}:{row.updated_at.isoformat()}"
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:24] + '"'


def matches(if_match: str, current: str) -> bool:
    """Whether an ``If-Match`` value (``*``, or one or more tags, weak ones included) names ``current``."""
    tags = [tag.strip() for tag in if_match.split(",")]
    return any(tag == "*" or tag.removeprefix("W/") == current for tag in tags)


def check_version(row: Versioned, if_match: str | None) -> None:
    """Raise Stale when the caller edits a version that is no longer the current one."""
    if if_match is not None and not matches(if_match, etag_of(row)):
        raise Stale(
            "the row was changed since you read it; read it again (its ETag) and repeat the change",
            field="If-Match",
        )
