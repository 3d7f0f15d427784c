"""`/api/v1/channels`: a tenant's platform channels (bot.tenancy.channel_admin does the work).

Credentials are write-only; the webhook URL is in the creating answer only, and a new one in the answer
that rotates its key (bot/tenancy/channel_admin.py says why).
"""

from __future__ import annotations

from aiohttp import web

from bot.security import CredentialBox
from bot.tenancy import channel_admin as service
from bot.tenancy.channel_admin import (
    ChannelChanges,
    ChannelCreated,
    ChannelFields,
    ChannelRekeyed,
    ChannelView,
    view_of,
)
from bot.tenancy.channel_setup import webhook_url
from bot.tenancy.row_versions import etag_of
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model, respond_page
from bot.web.app_keys import RUNTIME
from storage.db import read_only, transaction

routes = RouteTable("channels")
ONE = "/channels/{channel_id}"


def _box(call: ApiCall) -> CredentialBox:
    return call.request.app[RUNTIME].credentials


@routes.get("/channels", "List channels", response=ChannelView, paged=True)
async def list_channels(call: ApiCall) -> web.StreamResponse:
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_channels(session, call.tenant_id, limit=page.limit, before=page.before)
        items = [view_of(row, _box(call)) for row in found.rows]
    return respond_page(call, items, found.next_before)


@routes.post(
    "/channels",
    "Connect a channel",
    body=ChannelFields,
    response=ChannelCreated,
    status=201,
    etag=True,
    description="The answer carries the webhook URL to give the platform; no later answer shows it again.",
)
async def create_channel(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(ChannelFields)
    runtime = call.request.app[RUNTIME]
    async with transaction(call.sessions) as session:
        channel = await service.connect_channel(session, runtime.credentials, call.tenant_id, fields)
    created = ChannelCreated(
        **view_of(channel, runtime.credentials).model_dump(),
        webhook_url=webhook_url(runtime.settings.effective_public_url, channel),
    )
    return respond_model(created, status=201, etag=etag_of(channel))


@routes.get(ONE, "Read a channel", response=ChannelView, etag=True)
async def get_channel(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        channel = await service.get_channel(session, call.tenant_id, call.id("channel_id"))
    return respond_model(view_of(channel, _box(call)), etag=etag_of(channel))


@routes.patch(
    ONE,
    "Change a channel",
    body=ChannelChanges,
    response=ChannelView,
    etag=True,
    if_match=True,
    description="credentials and settings are merged: a key left out is kept, a null one removed.",
)
async def update_channel(call: ApiCall) -> web.StreamResponse:
    changes = call.parsed(ChannelChanges)
    async with transaction(call.sessions) as session:
        channel = await service.change_channel(
            session, _box(call), call.tenant_id, call.id("channel_id"), changes, if_match=call.if_match()
        )
    return respond_model(view_of(channel, _box(call)), etag=etag_of(channel))


@routes.post(
    ONE + "/rotate-webhook-key",
    "Give a channel a new webhook URL",
    response=ChannelRekeyed,
    etag=True,
    if_match=True,
    description="For a webhook URL that leaked. No body. The channel gets a new key: the answer carries "
    "the new webhook URL (no later answer shows it again), and from this answer on the old URL is "
    "refused as an unknown one (404), so give the platform the new URL at once.",
)
async def rotate_webhook_key(call: ApiCall) -> web.StreamResponse:
    runtime = call.request.app[RUNTIME]
    async with transaction(call.sessions) as session:
        channel = await service.rotate_webhook_key(
            session, call.tenant_id, call.id("channel_id"), if_match=call.if_match()
        )
    rekeyed = ChannelRekeyed(
        **view_of(channel, runtime.credentials).model_dump(),
        webhook_url=webhook_url(runtime.settings.effective_public_url, channel),
    )
    return respond_model(rekeyed, etag=etag_of(channel))


@routes.delete(
    ONE,
    "Delete a channel",
    status=204,
    if_match=True,
    description="Refused (409) once the channel has conversations; set enabled to false instead.",
)
async def delete_channel(call: ApiCall) -> web.StreamResponse:
    async with transaction(call.sessions) as session:
        await service.delete_channel(session, call.tenant_id, call.id("channel_id"), if_match=call.if_match())
    return no_content()
