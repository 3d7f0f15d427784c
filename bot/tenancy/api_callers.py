"""Who calls the tenant API: the holder of a tenant's API key, or a request signed with its signing secret.

Two ways in, so that a shop's checkout can report a purchase without holding the API key:

- ``Authorization: Bearer <API key>``: a key printed by `chatbot tenant create`, `chatbot tenant set
  --rotate-api-key` or made with `POST /api/v1/api-keys`; only its SHA-256 is stored (api_keys), the
  lookup is by that hash, and a revoked key is refused at once (nothing caches it).
- ``X-Chatbot-Tenant: <slug>`` with ``X-Chatbot-Signature: sha256=<hex HMAC-SHA256 of the raw body>``,
  keyed with the tenant's signing secret (the ``whsec_...`` of its notification webhook).

A disabled tenant, a replaced key, a wrong signature or a secret the installation's key cannot decrypt
all mean no caller. Nothing here logs a key, a signature or a body.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.security import CredentialBox, CredentialsUnreadable, body_signature, hash_token, same_secret
from bot.tenancy.notification_settings import signing_secret
from storage import api_key_records, tenants
from storage.models import Tenant

log = logging.getLogger(__name__)

API_KEY, SIGNATURE, AGENT_ADMIN = "api_key", "signature", "agent_admin"


@dataclass(frozen=True)
class TenantCaller:
    """The tenant a request to the tenant API is made for, and how it proved it."""

    tenant_id: int
    slug: str
    proof: str  # API_KEY, SIGNATURE or AGENT_ADMIN
    # The API key used (proof API_KEY), and when it was last marked used.
    key_id: int | None = None
    key_last_used_at: datetime | None = None


# A key's last use is written at most this often, so that a busy caller does not write on every request.
USE_MARK_EVERY = timedelta(minutes=5)


def needs_use_mark(caller: TenantCaller, now: datetime) -> bool:
    if caller.key_id is None:
        return False
    return caller.key_last_used_at is None or now - caller.key_last_used_at >= USE_MARK_EVERY


async def mark_key_used(session: AsyncSession, caller: TenantCaller, now: datetime) -> None:
    if caller.key_id is not None:
        await api_key_records.mark_used(
            session, caller.tenant_id, caller.key_id, now=now, unless_since=now - USE_MARK_EVERY
        )


async def by_api_key(session: AsyncSession, api_key: str) -> TenantCaller | None:
    """The active tenant whose API key this is, or None."""
    if not api_key:
        return None
    key_hash = hash_token(api_key)
    found = await api_key_records.live_key(session, key_hash)
    if found is None:
        return None
    key, tenant = found
    if not tenant.active or not same_secret(key_hash, key.key_hash):
        return None
    return TenantCaller(tenant.id, tenant.slug, API_KEY, key.id, key.last_used_at)


async def by_signature(
    session: AsyncSession, box: CredentialBox, *, slug: str, body: bytes, signature: str
) -> TenantCaller | None:
    """The active tenant ``slug`` if ``signature`` is the HMAC of ``body`` keyed with its secret, or None."""
    tenant = await tenants.get_tenant_by_slug(session, slug)
    if tenant is None or not tenant.active:
        return None
    secret = _secret(tenant, box)
    if secret is None or not same_secret(signature.strip().lower(), body_signature(secret, body)):
        return None
    return TenantCaller(tenant.id, tenant.slug, SIGNATURE)


def _secret(tenant: Tenant, box: CredentialBox) -> str | None:
    try:
        return signing_secret(tenant.settings, box)
    except CredentialsUnreadable:
        log.error("tenant %s: its signing secret cannot be decrypted with the configured key", tenant.id)
        return None
