"""Why a tenant's configuration request was refused: one exception per HTTP meaning, each naming the field.

The admin API maps each class to its status (bot/web/api/tenant_auth.py); the CLI prints the message, as
for any AdminError.
"""

from __future__ import annotations

from bot.errors import AdminError


class ConfigRefused(AdminError):
    """A request the tenant must correct; ``field`` names the part of the body at fault, if one is."""

    status = 422
    default_code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code


class Invalid(ConfigRefused):
    """A value the service refuses (out of range, unknown name, malformed)."""


class NotFound(ConfigRefused):
    """No such row for this tenant (another tenant's id is not found either)."""

    status = 404
    default_code = "not_found"


class Conflict(ConfigRefused):
    """The request clashes with what exists (a duplicate name, a row still in use)."""

    status = 409
    default_code = "conflict"


class Stale(ConfigRefused):
    """``If-Match`` named a version of the row that is no longer the current one."""

    status = 412
    default_code = "stale"


class Forbidden(ConfigRefused):
    """The caller is known but may not do this (an agent without the admin role)."""

    status = 403
    default_code = "forbidden"
