"""A pydantic refusal in the words the command line prints: the same rules as the admin API's 422s.

The admin API names the field and pydantic's message (bot/web/api/tenant_auth.py); the CLI builds the
same request models from its options and says what was wrong in one sentence, with both ends of a range
("temperature must be between 0 and 2, got 5") and the allowed names of a choice.
"""

from __future__ import annotations

import typing
from typing import Any

from annotated_types import Ge, Le
from pydantic import BaseModel, ValidationError

from bot.tenancy.config_errors import Invalid

_BOUNDS = ("greater_than_equal", "less_than_equal", "greater_than", "less_than")


def refusal(exc: ValidationError, model: type[BaseModel]) -> Invalid:
    """The first problem in ``exc`` as an Invalid naming its field (dotted, as the admin API does)."""
    error = exc.errors(include_url=False)[0]
    location = [str(part) for part in error["loc"]]
    field = ".".join(location)
    name = location[0] if location else "value"
    value = error.get("input")
    if error["type"] in _BOUNDS:
        low, high = _range(model, name)
        if low is not None and high is not None:
            return Invalid(f"{name} must be between {low:g} and {high:g}, got {value}", field=field)
    if error["type"] == "literal_error":
        allowed = ", ".join(typing.get_args(_literal(model, name)))
        if len(location) > 1:  # an item of a list: "unknown tool teleport; the tools are ..."
            return Invalid(f"unknown {name.removesuffix('s')} {value}; the {name} are {allowed}", field=field)
        return Invalid(f"{name} must be one of {allowed}, got {value!r}", field=field)
    return Invalid(f"{field or 'the request'}: {error['msg']}", field=field or None)


def _range(model: type[BaseModel], name: str) -> tuple[float | None, float | None]:
    low: float | None = None
    high: float | None = None
    for item in _metadata(model, name):
        if isinstance(item, Ge):
            low = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, Le):
            high = float(item.le)  # type: ignore[arg-type]
    return low, high


def _metadata(model: type[BaseModel], name: str) -> list[Any]:
    """Every constraint on the field, on it directly or inside an ``Annotated`` (also within ``| None``)."""
    info = model.model_fields.get(name)
    if info is None:
        return []
    found: list[Any] = list(info.metadata)
    pending: list[Any] = [info.annotation]
    while pending:
        annotation = pending.pop()
        for part in typing.get_args(annotation):
            if hasattr(part, "metadata"):
                found.extend(part.metadata)
            elif not isinstance(part, type | str | int | float):
                pending.append(part)
        found.extend(getattr(annotation, "__metadata__", ()))
    return [m for item in found for m in (getattr(item, "metadata", None) or [item])]


def _literal(model: type[BaseModel], name: str) -> Any:
    info = model.model_fields.get(name)
    pending: list[Any] = [info.annotation if info else None]
    while pending:
        annotation = pending.pop()
        if typing.get_origin(annotation) is typing.Literal:
            return annotation
        pending.extend(typing.get_args(annotation))
    return None
