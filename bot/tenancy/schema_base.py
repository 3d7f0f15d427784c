"""Bases of the pydantic models that the admin API and the CLI validate with (one source of truth).

Request models refuse unknown fields, so a typo is never silently ignored, and text that no database
can store (a NUL character, a lone surrogate) in any field, so it is a 422 naming the field rather than
a failed INSERT on PostgreSQL or an encoding error; a change (PATCH) model's
explicit ``null`` is refused for a field that cannot be empty (``apply_changes``). Response models read
ORM rows directly.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from bot.tenancy.config_errors import Invalid

# NUL (PostgreSQL's text refuses it) and lone surrogates (no UTF-8 form; a pair arrives as one character).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        if _holds_unstorable(value):
            raise PydanticCustomError("unstorable_text", "must not contain NUL characters or lone surrogates")
        return value


def _holds_unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_unstorable(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_unstorable(k) or _holds_unstorable(v) for k, v in value.items())
    return False


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def given_changes(changes: BaseModel, *, nullable: Collection[str] = ()) -> dict[str, Any]:
    """The fields a change request set, as a dict; an explicit null where none is allowed is refused."""
    values = {name: getattr(changes, name) for name in changes.model_fields_set}
    for name, value in values.items():
        if value is None and name not in nullable:
            raise Invalid(f"{name} cannot be null; leave it out to keep the current value", field=name)
    return values


def apply_changes(row: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, list(value) if isinstance(value, tuple) else value)
