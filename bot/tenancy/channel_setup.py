"""Connect a platform channel: check what the platform needs, store its secrets encrypted, give its URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import AdminError
from bot.security import CredentialBox, new_webhook_key
from bot.tenancy.bot_settings import ensure_bot
from storage import channels
from storage.models import Channel, Tenant

# What each platform needs to identify a channel and which secrets it carries.
PLATFORM_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "messenger": ("page_id", ("access_token", "app_secret", "verify_token")),
    "whatsapp": ("phone_number_id", ("access_token", "app_secret", "verify_token")),
    "groupme": ("bot_id", ("access_token",)),
    "console": ("name", ()),
}


@dataclass(frozen=True)
class ChannelRequest:
    platform: str
    name: str | None = None
    bot_name: str | None = None
    external_id: str | None = None
    group_id: str | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


async def add_channel(
    session: AsyncSession, box: CredentialBox, *, tenant: Tenant, request: ChannelRequest
) -> Channel:
    if request.platform not in PLATFORM_FIELDS:
        raise AdminError(f"unknown platform {request.platform!r} ({', '.join(PLATFORM_FIELDS)})")
    id_field, secret_fields = PLATFORM_FIELDS[request.platform]
    external_id = request.external_id or (request.name if request.platform == "console" else None)
    if not external_id:
        raise AdminError(f"a {request.platform} channel needs --{id_field.replace('_', '-')}")
    if request.platform == "groupme" and not request.group_id:
        raise AdminError("a groupme channel needs --group-id")
    missing = [f for f in secret_fields if not request.secrets.get(f)]
    if missing and request.platform != "groupme":
        raise AdminError("missing " + ", ".join("--" + f.replace("_", "-") for f in missing))
    existing = await channels.find_channel(
        session, tenant_id=tenant.id, platform=request.platform, external_id=external_id
    )
    if existing is not None:
        raise AdminError(f"a {request.platform} channel for {external_id!r} already exists")
    bot = await ensure_bot(session, tenant, request.bot_name)
    secrets = {k: v for k, v in request.secrets.items() if v}
    settings = {k: v for k, v in request.settings.items() if v not in (None, "")}
    if request.platform == "groupme":
        # In a group the bot answers only when addressed; by default when named or sent a command.
        settings.setdefault("answer_mode", "mention")
        settings.setdefault("command_prefix", "!")
        settings.setdefault("bot_name", bot.name)
    if settings.get("answer_mode") not in (None, "mention", "prefix", "all"):
        raise AdminError("answer mode must be mention, prefix or all")
    inbox_app = settings.get("inbox_app_id")
    if inbox_app is not None and (request.platform != "messenger" or not str(inbox_app).isdigit()):
        raise AdminError("an inbox app id is a Messenger app's numeric id")
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
        raise AdminError(
            f"the {request.platform} id {external_id!r} is already connected to another account"
        ) from None


def webhook_url(public_url: str, channel: Channel) -> str:
    return f"{public_url}/webhooks/{channel.platform}/{channel.webhook_key}"
