"""Why a conversion was refused; the tenant API turns each class into one HTTP status.

ConversionRefused          (``field``: the request field at fault; ``code``: a short reason)
 ├── InvalidConversion  422  a value the rules refuse, or a link, conversation, customer or monetization
 │                           source the tenant does not have (another tenant's is not found either)
 └── OrderConflict      409  the tenant recorded this external order id before, with a different body
"""

from __future__ import annotations


class ConversionRefused(Exception):
    code = "invalid"

    def __init__(self, message: str, *, field: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidConversion(ConversionRefused):
    def __init__(self, message: str, *, field: str | None, code: str = "invalid") -> None:
        super().__init__(message, field=field)
        self.code = code


class OrderConflict(ConversionRefused):
    code = "conflict"
