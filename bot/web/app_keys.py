"""Typed application keys shared by the web handlers."""

from __future__ import annotations

from aiohttp import web

from adapters.base import WebhookAdapter
from bot.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
WEBHOOK_ADAPTERS = web.AppKey("webhook_adapters", dict[str, WebhookAdapter])
