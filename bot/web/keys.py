"""Typed application keys shared by the web handlers."""

from __future__ import annotations

from aiohttp import web

from bot.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
