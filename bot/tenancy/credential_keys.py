"""Channel credentials and the installation's secret key: find the ones the key cannot open, re-encrypt all.

The operator's CLI (`chatbot serve`, `chatbot secret rotate`), the runtime's readiness check and, later,
the admin API share these. Messages name channels by tenant, platform, name and id, never by a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import AdminError
from bot.security import CredentialBox, CredentialsUnreadable
from storage import channels
from storage.models import Channel


@dataclass(frozen=True)
class ChannelLabel:
    """A channel as the operator recognises it."""

    tenant_slug: str
    platform: str
    name: str
    channel_id: int

    def __str__(self) -> str:
        return f"{self.tenant_slug}/{self.platform} {self.name!r} (id {self.channel_id})"


class CredentialsNotRotated(AdminError):
    """Some channels' credentials can be read with neither key, so nothing was re-encrypted."""

    def __init__(self, unreadable: Sequence[ChannelLabel]) -> None:
        self.unreadable = tuple(unreadable)
        super().__init__(
            f"the credentials of {len(self.unreadable)} channel(s) can be read with neither the configured "
            f"key nor the old key: {describe_channels(self.unreadable)}; nothing was changed"
        )


def describe_channels(labels: Sequence[ChannelLabel]) -> str:
    return ", ".join(str(label) for label in labels)


def unreadable_message(labels: Sequence[ChannelLabel], key_name: str) -> str:
    """One line for the operator: which channels the key cannot open and what to do about it."""
    return (
        f"the stored credentials of {len(labels)} channel(s) cannot be decrypted with {key_name}: "
        f"{describe_channels(labels)}; configure the key they were stored with, or re-encrypt them "
        "with: chatbot secret rotate --old-key <that key>"
    )


def _label(channel: Channel, tenant_slug: str) -> ChannelLabel:
    return ChannelLabel(tenant_slug, channel.platform, channel.name, channel.id)


async def find_unreadable_channels(session: AsyncSession, box: CredentialBox) -> tuple[ChannelLabel, ...]:
    """Channels of any tenant whose stored credentials ``box`` cannot decrypt (the key changed?)."""
    unreadable = []
    for channel, tenant_slug in await channels.channels_with_credentials(session):
        try:
            box.open(channel.credentials_encrypted)
        except CredentialsUnreadable:
            unreadable.append(_label(channel, tenant_slug))
    return tuple(unreadable)


async def rotate_credentials(session: AsyncSession, box: CredentialBox, *, old_keys: Sequence[bytes]) -> int:
    """Re-encrypt every channel's credentials with ``box``'s key; returns how many channels changed.

    Each one is read with ``box``'s key or any of ``old_keys``. All or nothing: if any channel can be
    read with none of them, :class:`CredentialsNotRotated` names those and no row is written, so the
    caller's transaction can simply roll back.
    """
    resealed: list[tuple[Channel, str]] = []
    unreadable: list[ChannelLabel] = []
    for channel, tenant_slug in await channels.channels_with_credentials(session, for_update=True):
        assert channel.credentials_encrypted is not None  # the query returns only channels that have some
        try:
            resealed.append((channel, box.reseal(channel.credentials_encrypted, old_keys=old_keys)))
        except CredentialsUnreadable:
            unreadable.append(_label(channel, tenant_slug))
    if unreadable:
        raise CredentialsNotRotated(unreadable)
    for channel, token in resealed:
        channel.credentials_encrypted = token
    await session.flush()
    return len(resealed)
