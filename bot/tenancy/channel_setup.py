"""Connect a platform channel: check what the platform needs, store its secrets encrypted, give its URL.

`chatbot channel add` and ``POST /api/v1/channels`` both come here; a refusal names the admin API's field
(``external_id``, ``credentials.app_secret``, ``settings.answer_mode``), which the CLI turns into its option.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.security import CredentialBox, new_webhook_key
from bot.tenancy.bot_settings import ensure_bot
from bot.tenancy.config_errors import Conflict, Invalid
from storage import channels
from storage.models import Bot, Channel, Tenant
from storage.sql import get_owned

# What each platform needs to identify a channel and which secrets it carries.
PLATFORM_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "messenger": ("page_id", ("access_token", "app_secret", "verify_token")),
    "whatsapp": ("phone_number_id", ("access_token", "app_secret", "verify_token")),
    "groupme": ("bot_id", ("access_token",)),
    "console": ("name", ()),
}
# Secrets a channel may work without (a GroupMe bot posts with its id; the token only uploads images).
OPTIONAL_SECRETS = {"groupme": ("access_token",)}
ANSWER_MODES = ("mention", "prefix", "all")


@dataclass(frozen=True)
class ChannelRequest:
    platform: str
    name: str | None = None
    bot_name: str | None = None
    external_id: str | None = None
    group_id: str | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    # The answering bot by id (the admin API); else by ``bot_name``; else the tenant's first bot.
    bot_id: int | None = None


async def add_channel(
    session: AsyncSession, box: CredentialBox, *, tenant: Tenant, request: ChannelRequest
) -> Channel:
    if request.platform not in PLATFORM_FIELDS:
        raise Invalid(
            f"unknown platform {request.platform!r} ({', '.join(PLATFORM_FIELDS)})", field="platform"
        )
    id_field, _ = PLATFORM_FIELDS[request.platform]
    external_id = request.external_id or (request.name if request.platform == "console" else None)
    if not external_id:
        raise Invalid(f"a {request.platform} channel needs external_id (its {id_field})", field="external_id")
    if request.platform == "groupme" and not request.group_id:
        raise Invalid("a groupme channel needs group_id", field="group_id")
    secrets = {k: v for k, v in request.secrets.items() if v}
    require_secrets(request.platform, secrets)
    existing = await channels.find_channel(
        session, tenant_id=tenant.id, platform=request.platform, external_id=external_id
    )
    if existing is not None:
        raise Conflict(
            f"a {request.platform} channel for {external_id!r} already exists", field="external_id"
        )
    bot = await answering_bot(session, tenant, request)
    settings = {k: v for k, v in request.settings.items() if v not in (None, "")}
    if request.platform == "groupme":
        # In a group the bot answers only when addressed; by default when named or sent a command.
        settings.setdefault("answer_mode", "mention")
        settings.setdefault("command_prefix", "!")
        settings.setdefault("bot_name", bot.name)
    check_settings(request.platform, settings)
    try:
        # A page, number or GroupMe bot belongs to one tenant only (a unique constraint across tenants);
        # another tenant's channels are never looked up: the constraint answers for them.
        async with session.begin_nested():
            return await channels.create_channel(
                session,
                tenant_id=tenant.id,
                bot_id=bot.id,
                platform=request.platform,
                name=request.name or f"{request.platform} {external_id}",
                external_id=external_id,
                group_id=request.group_id,
                webhook_key=new_webhook_key(),
                credentials_encrypted=box.seal(secrets) if secrets else None,
                settings=settings,
            )
    except IntegrityError:
        raise Conflict(
            f"the {request.platform} id {external_id!r} is already connected to another account",
            field="external_id",
        ) from None


async def answering_bot(session: AsyncSession, tenant: Tenant, request: ChannelRequest) -> Bot:
    if request.bot_id is None:
        return await ensure_bot(session, tenant, request.bot_name)
    return await owned_bot(session, tenant.id, request.bot_id)


async def owned_bot(session: AsyncSession, tenant_id: int, bot_id: int) -> Bot:
    """The tenant's bot ``bot_id``; another tenant's or none at all is a refusal naming ``bot_id``."""
    bot = await get_owned(session, Bot, tenant_id, bot_id)
    if bot is None:
        raise Invalid(f"bot_id {bot_id} is not one of this tenant's bots", field="bot_id")
    return bot


def require_secrets(platform: str, secrets: Mapping[str, str]) -> None:
    """Refuse a channel that lacks a secret its platform needs (naming the first one missing)."""
    _, secret_fields = PLATFORM_FIELDS[platform]
    for name in secret_fields:
        if not secrets.get(name) and name not in OPTIONAL_SECRETS.get(platform, ()):
            raise Invalid(f"a {platform} channel needs credentials.{name}", field=f"credentials.{name}")


def check_settings(platform: str, settings: Mapping[str, Any]) -> None:
    if settings.get("answer_mode") not in (None, *ANSWER_MODES):
        raise Invalid("answer mode must be mention, prefix or all", field="settings.answer_mode")
    inbox_app = settings.get("inbox_app_id")
    if inbox_app is not None and (platform != "messenger" or not str(inbox_app).isdigit()):
        raise Invalid("an inbox app id is a Messenger app's numeric id", field="settings.inbox_app_id")


def webhook_url(public_url: str, channel: Channel) -> str:
    return f"{public_url}/webhooks/{channel.platform}/{channel.webhook_key}"
