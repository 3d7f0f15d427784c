"""The secret key and the stored channel credentials: which channels a key cannot open, and rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.security import CredentialBox, CredentialsUnreadable
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from bot.tenancy.credential_keys import CredentialsNotRotated, find_unreadable_channels, rotate_credentials
from bot.tenancy.tenant_accounts import create_tenant, require_tenant
from storage import tenants
from storage.db import transaction
from storage.models import Channel

SECRETS = {"access_token": "EAAG-token-for-rotation", "app_secret": "s3cr3t", "verify_token": "v-token"}


async def add_messenger(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox, slug: str, page_id: str
) -> int:
    async with transaction(sessions) as session:
        if await tenants.get_tenant_by_slug(session, slug) is None:
            await create_tenant(session, name=slug.title(), slug=slug)
        tenant = await require_tenant(session, slug)
        channel = await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(
                platform="messenger", external_id=page_id, name=f"page {page_id}", secrets=SECRETS
            ),
        )
        return channel.id


async def sealed(sessions: async_sessionmaker[AsyncSession]) -> dict[int, str | None]:
    async with sessions() as session:
        rows = await session.execute(select(Channel.id, Channel.credentials_encrypted).order_by(Channel.id))
        return {channel_id: token for channel_id, token in rows.all()}


async def test_the_key_check_names_every_tenants_unreadable_channels_and_only_those(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    old, new = CredentialBox(Fernet.generate_key()), CredentialBox(Fernet.generate_key())
    stale_a = await add_messenger(sessions, old, "acme", "100")
    await add_messenger(sessions, new, "acme", "101")
    stale_b = await add_messenger(sessions, old, "bistro", "200")

    async with transaction(sessions) as session:
        unreadable = await find_unreadable_channels(session, new)

    assert [(c.tenant_slug, c.platform, c.name, c.channel_id) for c in unreadable] == [
        ("acme", "messenger", "page 100", stale_a),
        ("bistro", "messenger", "page 200", stale_b),
    ]
    assert str(unreadable[0]) == f"acme/messenger 'page 100' (id {stale_a})"
    for secret in SECRETS.values():
        assert secret not in " ".join(str(c) for c in unreadable)


async def test_rotation_re_encrypts_every_channel_so_the_old_key_is_no_longer_needed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    old, new = CredentialBox(old_key), CredentialBox(new_key)
    await add_messenger(sessions, old, "acme", "100")
    await add_messenger(sessions, old, "bistro", "200")
    await add_messenger(sessions, new, "bistro", "201")  # already on the new key: re-encrypted all the same

    async with transaction(sessions) as session:
        count = await rotate_credentials(session, new, old_keys=[old_key])

    assert count == 3
    for token in (await sealed(sessions)).values():
        assert new.open(token) == SECRETS
        with pytest.raises(CredentialsUnreadable):
            old.open(token)
    async with transaction(sessions) as session:
        assert await find_unreadable_channels(session, new) == ()


async def test_rotation_with_a_wrong_old_key_changes_nothing_and_names_the_channels(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    stale = await add_messenger(sessions, CredentialBox(old_key), "acme", "100")
    await add_messenger(sessions, CredentialBox(new_key), "acme", "101")
    before = await sealed(sessions)

    with pytest.raises(CredentialsNotRotated) as refused:
        async with transaction(sessions) as session:
            await rotate_credentials(session, CredentialBox(new_key), old_keys=[Fernet.generate_key()])

    assert [c.channel_id for c in refused.value.unreadable] == [stale]
    assert f"acme/messenger 'page 100' (id {stale})" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert await sealed(sessions) == before
    assert CredentialBox(old_key).open(before[stale]) == SECRETS


async def test_a_database_without_stored_credentials_rotates_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        assert await rotate_credentials(session, CredentialBox(Fernet.generate_key()), old_keys=[]) == 0
