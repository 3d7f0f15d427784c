"""Pieces of the admin API's read filters: a choice among a column's allowed values, and a row id.

A filter value that is not one of the allowed ones is refused with a 422 naming the parameter, and the
OpenAPI document lists the allowed values (an ``enum``), taken from the same tuples the CHECK constraints
of the tables use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler
from pydantic_core import core_schema

# Ids are at most 18 digits (as in paths): a larger one would overflow the database's 64-bit ids.
RowId = Annotated[int, Field(ge=1, le=10**18 - 1)]


@dataclass(frozen=True)
class OneOf:
    """``Annotated[str, OneOf(VALUES)]``: a string that must be one of ``VALUES`` (a JSON Schema enum)."""

    values: tuple[str, ...]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.literal_schema(list(self.values))
