"""`/api/v1/notification-webhook`: where signed notifications go (bot.tenancy.notification_settings)."""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import notification_settings as service
from bot.tenancy.notification_settings import WebhookFields, WebhookSet, WebhookView
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model
from bot.web.app_keys import RUNTIME
from storage.db import read_only, transaction
from storage.tenants import get_tenant

routes = RouteTable("notification webhook")
PATH = "/notification-webhook"


@routes.get(PATH, "Read the notification webhook", response=WebhookView)
async def get_webhook(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        tenant = await get_tenant(session, call.tenant_id)
        view = (
            service.webhook_view(tenant)
            if tenant is not None
            else WebhookView(url=None, signing_secret_set=False)
        )
    return respond_model(view)


@routes.put(
    PATH,
    "Set the notification webhook's URL",
    body=WebhookFields,
    response=WebhookSet,
    description=(
        "Notifications are POSTed to `url`, signed with the tenant's signing secret. The first time a URL "
        "is set, a secret is made and returned in `signing_secret` in this answer only (it is stored "
        "encrypted and never shown again, as `chatbot tenant set --notify-url` prints it once); "
        "changing the URL later keeps the secret, and `signing_secret` is null."
    ),
)
async def put_webhook(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(WebhookFields)
    box = call.request.app[RUNTIME].credentials
    async with transaction(call.sessions) as session:
        answer = await service.put_webhook(session, box, call.tenant_id, fields)
    return respond_model(answer)


@routes.delete(
    PATH,
    "Remove the notification webhook and its signing secret",
    status=204,
    description=(
        "No notifications are sent any more, and the signing secret is deleted with the URL, so "
        "requests signed with it (`X-Chatbot-Signature`) are refused; a new URL gets a new secret."
    ),
)
async def delete_webhook(call: ApiCall) -> web.StreamResponse:
    box = call.request.app[RUNTIME].credentials
    async with transaction(call.sessions) as session:
        await service.delete_webhook(session, box, call.tenant_id)
    return no_content()
