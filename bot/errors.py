"""The runtime's own exceptions that callers (CLI, HTTP) turn into messages and exit codes or statuses."""

from __future__ import annotations


class AdminError(Exception):
    """A request the operator must correct (unknown tenant, duplicate slug, missing field)."""
