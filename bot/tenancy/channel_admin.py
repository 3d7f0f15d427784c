"""A tenant's channels through the admin API: list, read, connect, change and delete them by id.

Credentials are write-only: a request may set or replace them, an answer only says which are set
(``credentials_set``). The webhook URL carries the channel's unguessable key, so it is a capability: it is
given once, in the answer that creates the channel (as `chatbot channel add` prints it once), and never
by a read, which would put it into every console, log and cache that lists channels. A key that leaked is
replaced (``rotate_webhook_key``), and the new URL is given once again, in that answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.security import CredentialBox, CredentialsUnreadable, new_webhook_key
from bot.tenancy.channel_setup import (
    PLATFORM_FIELDS,
    ChannelRequest,
    add_channel,
    check_settings,
    owned_bot,
    require_secrets,
)
from bot.tenancy.config_errors import Conflict, NotFound
from bot.tenancy.row_versions import check_version
from bot.tenancy.schema_base import RequestModel, ResponseModel, given_changes
from storage.keyset import Page, newest_first
from storage.models import Channel, Conversation, Tenant
from storage.sql import get_owned

Secret = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PlatformId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Setting = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ChannelCredentials(RequestModel):
    """Secrets to store encrypted; in a change, a secret left out is kept and a null one removed."""

    access_token: Secret | None = None
    app_secret: Secret | None = Field(None, description="Meta: the app secret that signs webhooks")
    verify_token: Secret | None = Field(None, description="Meta: the token of the webhook subscription")


class ChannelOptions(RequestModel):
    """Platform options; in a change, an option left out is kept and a null one removed."""

    app_id: Setting | None = Field(None, description="Meta app id: its own sends are not recorded twice")
    window_template: Setting | None = Field(None, description="WhatsApp: sent when the 24-hour window closed")
    window_template_language: Setting | None = None
    answer_mode: Literal["mention", "prefix", "all"] | None = Field(None, description="GroupMe")
    command_prefix: Setting | None = Field(None, description="GroupMe: what starts a command (default !)")
    inbox_app_id: Setting | None = Field(None, description="Messenger: the Handover Protocol's inbox app")


class ChannelFields(RequestModel):
    platform: Literal["messenger", "whatsapp", "groupme", "console"]
    name: Label | None = None
    bot_id: int | None = Field(None, description="the answering bot (default: the tenant's first bot)")
    external_id: PlatformId | None = Field(
        None, description="page id (Messenger), phone number id (WhatsApp), bot id (GroupMe)"
    )
    group_id: PlatformId | None = Field(None, description="GroupMe: the group id")
    credentials: ChannelCredentials = Field(default_factory=ChannelCredentials)
    settings: ChannelOptions = Field(default_factory=ChannelOptions)


class ChannelChanges(RequestModel):
    name: Label | None = None
    bot_id: int | None = None
    enabled: bool | None = None
    credentials: ChannelCredentials | None = None
    settings: ChannelOptions | None = None


class ChannelView(ResponseModel):
    id: int
    platform: str
    name: str
    bot_id: int
    external_id: str
    group_id: str | None
    enabled: bool
    needs_credentials: bool = Field(description="its stored credentials cannot be read: set them again")
    settings: dict[str, Any]
    credentials_set: dict[str, bool] = Field(description="which secrets are stored (never their values)")


class ChannelCreated(ChannelView):
    webhook_url: str = Field(description="where the platform must send events; shown in this answer only")


class ChannelRekeyed(ChannelView):
    webhook_url: str = Field(
        description="the channel's new webhook URL, to give the platform; the old one is refused from now "
        "on. Shown in this answer only"
    )


def view_of(channel: Channel, box: CredentialBox) -> ChannelView:
    return ChannelView(
        id=channel.id,
        platform=channel.platform,
        name=channel.name,
        bot_id=channel.bot_id,
        external_id=channel.external_id,
        group_id=channel.group_id,
        enabled=channel.enabled,
        needs_credentials=channel.needs_credentials,
        settings=dict(channel.settings or {}),
        credentials_set=_which_set(channel, box),
    )


async def list_channels(
    session: AsyncSession, tenant_id: int, *, limit: int, before: int | None
) -> Page[Channel]:
    statement = select(Channel).where(Channel.tenant_id == tenant_id)
    return await newest_first(session, statement, Channel.id, limit=limit, before=before)


async def get_channel(
    session: AsyncSession, tenant_id: int, channel_id: int, *, for_update: bool = False
) -> Channel:
    channel = await get_owned(session, Channel, tenant_id, channel_id, for_update=for_update)
    if channel is None:
        raise NotFound(f"no channel {channel_id}")
    return channel


async def connect_channel(
    session: AsyncSession, box: CredentialBox, tenant_id: int, fields: ChannelFields
) -> Channel:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id}")
    request = ChannelRequest(
        platform=fields.platform,
        name=fields.name,
        bot_id=fields.bot_id,
        external_id=fields.external_id,
        group_id=fields.group_id,
        secrets=fields.credentials.model_dump(exclude_none=True),
        settings=fields.settings.model_dump(exclude_none=True),
    )
    return await add_channel(session, box, tenant=tenant, request=request)


async def change_channel(
    session: AsyncSession,
    box: CredentialBox,
    tenant_id: int,
    channel_id: int,
    changes: ChannelChanges,
    *,
    if_match: str | None,
) -> Channel:
    channel = await get_channel(session, tenant_id, channel_id, for_update=True)
    check_version(channel, if_match)
    values = given_changes(changes)
    if "bot_id" in values:
        channel.bot_id = (await owned_bot(session, tenant_id, values["bot_id"])).id
    if "name" in values:
        channel.name = values["name"]
    if "enabled" in values:
        channel.enabled = values["enabled"]
    if "settings" in values:
        given = changes.settings.model_dump(exclude_unset=True) if changes.settings else {}
        settings = _merged(channel.settings or {}, given)
        check_settings(channel.platform, settings)
        channel.settings = settings
    if "credentials" in values:
        given = changes.credentials.model_dump(exclude_unset=True) if changes.credentials else {}
        secrets = _merged(_stored(channel, box), given)
        require_secrets(channel.platform, secrets)
        channel.credentials_encrypted = box.seal(secrets) if secrets else None
        channel.needs_credentials = False
    await session.flush()
    return channel


async def rotate_webhook_key(
    session: AsyncSession, tenant_id: int, channel_id: int, *, if_match: str | None
) -> Channel:
    """Give the channel a new webhook key (for the caller to show once, in its URL).

    The webhook route looks a key up in the database on every request (nothing caches channels by key),
    so from the moment this commits the old URL is answered as an unknown key (404) in every process,
    and the new one is accepted.
    """
    channel = await get_channel(session, tenant_id, channel_id, for_update=True)
    check_version(channel, if_match)
    channel.webhook_key = new_webhook_key()
    await session.flush()
    return channel


async def delete_channel(
    session: AsyncSession, tenant_id: int, channel_id: int, *, if_match: str | None
) -> None:
    """Delete a channel that has no conversations yet; one with history is disabled instead (deleting it
    would delete its customers and their conversations with it)."""
    channel = await get_channel(session, tenant_id, channel_id, for_update=True)
    check_version(channel, if_match)
    talked = await session.scalar(
        select(Conversation.id)
        .where(Conversation.tenant_id == tenant_id, Conversation.channel_id == channel.id)
        .limit(1)
    )
    if talked is not None:
        raise Conflict(
            "the channel has conversations, which deleting it would delete; set enabled to false instead",
            field="enabled",
            code="channel_has_history",
        )
    await session.delete(channel)
    await session.flush()


def _merged(current: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    merged = {**current, **given}
    return {name: value for name, value in merged.items() if value is not None}


def _stored(channel: Channel, box: CredentialBox) -> dict[str, str]:
    """The channel's stored secrets; unreadable ones (another installation key) count as none."""
    try:
        return box.open(channel.credentials_encrypted)
    except CredentialsUnreadable:
        return {}


def _which_set(channel: Channel, box: CredentialBox) -> dict[str, bool]:
    stored = _stored(channel, box)
    _, names = PLATFORM_FIELDS[channel.platform]
    return {name: bool(stored.get(name)) for name in names}
