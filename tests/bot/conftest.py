"""Fixtures for the runtime tests."""

from tests.bot.platforms import world

__all__ = ["world"]
