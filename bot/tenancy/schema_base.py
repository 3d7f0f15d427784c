"""Bases of the pydantic models that the admin API and the CLI validate with (one source of truth).

Request models refuse unknown fields, so a typo is never silently ignored; a change (PATCH) model's
explicit ``null`` is refused for a field that cannot be empty (``apply_changes``). Response models read
ORM rows directly.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.tenancy.config_errors import Invalid


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
