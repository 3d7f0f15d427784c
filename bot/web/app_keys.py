"""Typed application keys shared by the web handlers."""

from __future__ import annotations

import asyncio

from aiohttp import web

from adapters.base import WebhookAdapter
from bot.handoff.auto_assign import AutoAssigner
from bot.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
WEBHOOK_ADAPTERS = web.AppKey("webhook_adapters", dict[str, WebhookAdapter])
AUTO_ASSIGNER = web.AppKey("auto_assigner", AutoAssigner)
# Set when the server shuts down: open live event streams end, so a restart is not held up by them.
STREAMS_CLOSING = web.AppKey("streams_closing", asyncio.Event)
