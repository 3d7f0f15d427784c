"""`/webhooks/{platform}/{channel_key}`: verify, parse every item, store durably, then answer 200.

Nothing is acknowledged before it is committed: if the database is unreachable the platform gets a
503 and retries. Rejected requests (unknown key, bad signature, malformed body, too large) get a 4xx
with a JSON error and store nothing. The handler never waits for the dialogue engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.exc import DBAPIError

from adapters.base import ChannelRef, RequestRejected, WebhookAdapter
from bot.observability import log_context
from bot.observability.runtime_metrics import record_webhook
from bot.security import CredentialsUnreadable, looks_like_webhook_key
from bot.web.app_keys import RUNTIME, WEBHOOK_ADAPTERS
from bot.web.http_errors import json_error
from storage import channels
from storage.db import read_only

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolvedChannel:
    tenant_id: int
    channel_id: int
    ref: ChannelRef
    credentials: dict[str, str]


class ChannelNotFound(Exception):
    pass


async def _resolve(request: web.Request) -> tuple[WebhookAdapter, ResolvedChannel]:
    platform = request.match_info["platform"]
    adapter = request.app[WEBHOOK_ADAPTERS].get(platform)
    if adapter is None:
        raise ChannelNotFound(f"unknown platform {platform!r}")
    key = request.match_info["channel_key"]
    if not looks_like_webhook_key(key):
        # Never sent to the database: PostgreSQL refuses NUL in a query parameter (a 503, not a 404).
        raise ChannelNotFound("no such channel")
    runtime = request.app[RUNTIME]
    async with read_only(runtime.lookups or runtime.sessions) as session:
        channel = await channels.get_channel_by_key(session, key)
        if channel is None or channel.platform != platform or not channel.enabled:
            raise ChannelNotFound("no such channel")
        resolved = ResolvedChannel(
            tenant_id=channel.tenant_id,
            channel_id=channel.id,
            ref=ChannelRef(channel.external_id, channel.group_id, dict(channel.settings or {})),
            credentials=runtime.credentials.open(channel.credentials_encrypted),
        )
    log_context.bind(tenant_id=resolved.tenant_id)
    return adapter, resolved


async def handshake(request: web.Request) -> web.Response:
    try:
        adapter, channel = await _resolve(request)
        challenge = adapter.handshake(dict(request.query), channel.credentials)
    except ChannelNotFound as exc:
        return json_error(404, str(exc))
    except RequestRejected as exc:
        return json_error(exc.status, exc.message)
    except CredentialsUnreadable:
        log.error("channel credentials cannot be decrypted; check CHATBOT_SECRET_KEY")
        return json_error(503, "channel credentials unreadable")
    except (DBAPIError, OSError):
        return json_error(503, "storage unavailable; try again")
    return web.Response(text=challenge, content_type="text/plain")


async def receive(request: web.Request) -> web.Response:
    limit = request.app[RUNTIME].settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return json_error(413, f"body larger than {limit} bytes")
    body = await request.read()
    try:
        adapter, channel = await _resolve(request)
        adapter.authenticate(request.headers, body, channel.credentials)
        items = adapter.parse(body, channel.ref)
        accepted = await request.app[RUNTIME].inbox.accept(channel.tenant_id, channel.channel_id, items)
    except ChannelNotFound as exc:
        return json_error(404, str(exc))
    except RequestRejected as exc:
        log.info("rejected %s webhook: %s", request.match_info["platform"], exc.message)
        return json_error(exc.status, exc.message)
    except CredentialsUnreadable:
        log.error("channel credentials cannot be decrypted; check CHATBOT_SECRET_KEY")
        return json_error(503, "channel credentials unreadable")
    except (DBAPIError, OSError):
        log.exception("could not store a webhook; answering 503 so the platform retries")
        return json_error(503, "storage unavailable; try again")
    record_webhook(adapter.platform.value, len(items), accepted)
    log.debug("%s webhook: %d item(s), %d new", adapter.platform.value, len(items), accepted)
    return web.json_response({"received": len(items), "new": accepted})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/webhooks/{platform}/{channel_key}", handshake)
    app.router.add_post("/webhooks/{platform}/{channel_key}", receive)
