"""The body of ``POST /api/v1/conversions``, validated: what a shop reports about a customer's order.

Exactly one of ``link_token``, ``conversation_id`` and ``customer_id`` says whose conversion it is
(checked by the service, which names the field). Unknown fields are refused. ``value`` is a decimal
number (a JSON number or a string such as ``"12.50"``) of at least 0 with at most 2 decimal places;
``currency`` an ISO 4217 code in circulation (bot.conversions.currencies; any letter case).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from bot.conversions.currencies import is_currency

REPORTED_OUTCOMES = ("purchased", "abandoned", "did_nothing")
MAX_ID = 2**62
CENT = Decimal("0.01")


def _printable(value: str) -> str:
    # Control characters (NUL above all) and lone surrogates: PostgreSQL cannot store them, and no order
    # id, token or name has them.
    if any(ord(c) < 0x20 or ord(c) == 0x7F or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise PydanticCustomError("text", "must not contain control characters")
    return value


RowId = Annotated[StrictInt, Field(gt=0, lt=MAX_ID)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_printable)]


class ConversionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    link_token: Annotated[Text, StringConstraints(max_length=64)] | None = None
    conversation_id: RowId | None = None
    customer_id: RowId | None = None
    outcome: Literal["purchased", "abandoned", "did_nothing"]
    value: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False)]
    currency: Annotated[StrictStr, StringConstraints(max_length=8)]
    # The shop's order (or cart) id: a callback sent again with it records nothing new.
    external_order_id: Annotated[Text, StringConstraints(max_length=128)]
    # A monetization source of the tenant, by id (a number) or by name (a string).
    monetization_source: RowId | Annotated[Text, StringConstraints(max_length=100)] | None = None
    # When the customer bought (default: when the request arrives).
    occurred_at: AwareDatetime | None = None

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not is_currency(code):
            raise PydanticCustomError(
                "currency", "currency must be an ISO 4217 currency code such as USD, EUR or BRL"
            )
        return code

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def fingerprint(self) -> str:
        """SHA-256 of the request's meaning: equal for two bodies that say the same thing."""
        canonical = self.model_dump(mode="json")
        canonical["value"] = str(self.value.quantize(CENT))
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
