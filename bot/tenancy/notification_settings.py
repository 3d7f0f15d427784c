"""A tenant's escalation timeout and notification webhook: the settings, checked, and the signing secret.

Tenant settings (``tenants.settings``): ``escalation_timeout_minutes`` (how long an escalated
conversation may wait unclaimed before the customer is told and the tenant notified; 0 turns it off),
``escalation_timeout_text`` (what the customer is told), ``notification_url`` (where signed notifications
are POSTed; none by default) and ``notification_secret`` (the signing secret, encrypted with the
installation's key like channel credentials). The secret is made when a URL is first set, or on request;
it is returned to the caller once to show, and never read back out except to sign.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import AdminError
from bot.security import CredentialBox, CredentialsUnreadable
from bot.tenancy.config_errors import Invalid, NotFound
from bot.tenancy.schema_base import RequestModel, ResponseModel
from storage import tenants
from storage.models import Tenant

TIMEOUT_SETTING = "escalation_timeout_minutes"
TIMEOUT_TEXT_SETTING = "escalation_timeout_text"
URL_SETTING = "notification_url"
SECRET_SETTING = "notification_secret"  # noqa: S105 - the setting's name, not a secret

DEFAULT_TIMEOUT_MINUTES = 15
MAX_TIMEOUT_MINUTES = 7 * 24 * 60
DEFAULT_TIMEOUT_TEXT = (
    "Sorry for the wait: our team is busier than usual, and someone will answer you as soon as they can."
)
MAX_TEXT_CHARS = 1000
MAX_URL_CHARS = 2000
SECRET_PREFIX = "whsec_"  # noqa: S105 - marks a signing secret for what it is


@dataclass(frozen=True)
class NotificationTarget:
    """Where a tenant's notifications go and what signs them (read only to send)."""

    url: str
    secret: str


@dataclass(frozen=True)
class NotificationChange:
    """What a change left: the URL now set (or None) and the new secret to show once (or None)."""

    url: str | None
    new_secret: str | None


def escalation_timeout_minutes(settings: Mapping[str, Any] | None) -> int:
    """The tenant's timeout in minutes (0: off); an unreadable stored value means the default."""
    value = (settings or {}).get(TIMEOUT_SETTING, DEFAULT_TIMEOUT_MINUTES)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIMEOUT_MINUTES:
        return DEFAULT_TIMEOUT_MINUTES
    return value


def escalation_timeout_text(settings: Mapping[str, Any] | None) -> str:
    value = (settings or {}).get(TIMEOUT_TEXT_SETTING)
    return value.strip() if isinstance(value, str) and value.strip() else DEFAULT_TIMEOUT_TEXT


def notification_url(settings: Mapping[str, Any] | None) -> str | None:
    value = (settings or {}).get(URL_SETTING)
    return value if isinstance(value, str) and value else None


def notification_target(settings: Mapping[str, Any] | None, box: CredentialBox) -> NotificationTarget | None:
    """The URL and the decrypted secret, or None when no URL is set.

    Raises CredentialsUnreadable when the secret cannot be decrypted with the configured key.
    """
    url = notification_url(settings)
    secret = signing_secret(settings, box)
    return NotificationTarget(url, secret) if url is not None and secret else None


def signing_secret(settings: Mapping[str, Any] | None, box: CredentialBox) -> str | None:
    """The tenant's decrypted signing secret, or None when it has none.

    It signs the notifications and verifies signed calls to the tenant API (a shop's purchase callback).
    Raises CredentialsUnreadable when it cannot be decrypted with the configured key.
    """
    sealed = (settings or {}).get(SECRET_SETTING)
    if not isinstance(sealed, str) or not sealed:
        return None
    return box.open(sealed).get("secret") or None


def check_notification_url(value: str) -> str:
    """``value`` as a webhook URL (http or https, with a host, no user name), or Invalid saying why."""
    url = value.strip()
    if len(url) > MAX_URL_CHARS:
        raise Invalid(f"the notification URL must be at most {MAX_URL_CHARS} characters", field="url")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise Invalid("the notification URL must not contain spaces or control characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Invalid("the notification URL is not a valid URL", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("the notification URL must be an http:// or https:// URL with a host name", field="url")
    if parts.username is not None or parts.password is not None:
        raise Invalid(
            "the notification URL must not carry a user name or password: "
            "the signature header authenticates each notification",
            field="url",
        )
    del port  # read only to refuse a malformed port
    return url


async def set_escalation_timeout(session: AsyncSession, tenant: Tenant, minutes: int) -> int:
    if not 0 <= minutes <= MAX_TIMEOUT_MINUTES:
        raise AdminError(f"the escalation timeout must be between 0 (off) and {MAX_TIMEOUT_MINUTES} minutes")
    await _update(session, tenant, {TIMEOUT_SETTING: minutes})
    return minutes


async def set_escalation_timeout_text(session: AsyncSession, tenant: Tenant, text: str) -> str:
    """Set what a customer is told when the wait passes the timeout; empty goes back to the default."""
    cleaned = text.strip()
    if len(cleaned) > MAX_TEXT_CHARS:
        raise AdminError(f"the escalation timeout text must be at most {MAX_TEXT_CHARS} characters")
    await _update(session, tenant, {TIMEOUT_TEXT_SETTING: cleaned or None})
    return cleaned or DEFAULT_TIMEOUT_TEXT


async def set_notification_url(
    session: AsyncSession, box: CredentialBox, tenant: Tenant, value: str
) -> NotificationChange:
    """Set the webhook URL (a signing secret is made if the tenant has none); empty removes URL and secret."""
    if not value.strip():
        await _update(session, tenant, {URL_SETTING: None, SECRET_SETTING: None})
        return NotificationChange(None, None)
    url = check_notification_url(value)
    new_secret = None
    changes: dict[str, Any] = {URL_SETTING: url}
    if not (tenant.settings or {}).get(SECRET_SETTING):
        new_secret = new_signing_secret()
        changes[SECRET_SETTING] = box.seal({"secret": new_secret})
    await _update(session, tenant, changes)
    return NotificationChange(url, new_secret)


async def rotate_notification_secret(session: AsyncSession, box: CredentialBox, tenant: Tenant) -> str:
    """Replace the signing secret (the old one stops working at once); the new one, to show once."""
    if notification_url(tenant.settings) is None:
        raise AdminError("the tenant has no notification URL: set one first (its secret is made then)")
    new_secret = new_signing_secret()
    await _update(session, tenant, {SECRET_SETTING: box.seal({"secret": new_secret})})
    return new_secret


class WebhookFields(RequestModel):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL_CHARS)] = (
        Field(description="http:// or https://, without a user name or password")
    )


class WebhookView(ResponseModel):
    url: str | None = Field(description="where signed notifications are POSTed; null: none are sent")
    signing_secret_set: bool = Field(description="the secret itself is never shown again")


class WebhookSet(WebhookView):
    signing_secret: str | None = Field(
        description="the signing secret when this request made it (the first URL set): shown this once"
    )


def webhook_view(tenant: Tenant) -> WebhookView:
    settings = tenant.settings or {}
    return WebhookView(url=notification_url(settings), signing_secret_set=bool(settings.get(SECRET_SETTING)))


async def put_webhook(
    session: AsyncSession, box: CredentialBox, tenant_id: int, fields: WebhookFields
) -> WebhookSet:
    """Set the URL (as `chatbot tenant set --notify-url`): a tenant without a secret gets one, shown once."""
    tenant = await _locked(session, tenant_id)
    change = await set_notification_url(session, box, tenant, fields.url)
    return WebhookSet(**webhook_view(tenant).model_dump(), signing_secret=change.new_secret)


async def delete_webhook(session: AsyncSession, box: CredentialBox, tenant_id: int) -> None:
    """Remove the URL and its signing secret (as an empty `--notify-url`); nothing set is no error."""
    await set_notification_url(session, box, await _locked(session, tenant_id), "")


async def _locked(session: AsyncSession, tenant_id: int) -> Tenant:
    # Locked, so that two edits of the settings cannot each write back a copy without the other's.
    tenant = await tenants.tenant_for_update(session, tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id}")
    return tenant


def new_signing_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


async def _update(session: AsyncSession, tenant: Tenant, changes: Mapping[str, Any]) -> None:
    """Merge ``changes`` into the tenant's settings; a None value removes the key."""
    merged = {**(tenant.settings or {}), **changes}
    tenant.settings = {key: value for key, value in merged.items() if value is not None}
    await session.flush()


async def reseal_notification_secrets(
    session: AsyncSession, box: CredentialBox, *, old_keys: Sequence[bytes]
) -> int:
    """Re-encrypt every tenant's signing secret with ``box``'s key (part of `chatbot secret rotate`).

    All or nothing, like the channels' credentials: AdminError naming the tenants whose secret neither
    key opens, and nothing is written. Returns how many tenants' secrets were re-encrypted.
    """
    resealed: list[tuple[Tenant, str]] = []
    unreadable: list[str] = []
    for tenant in await tenants.tenants_for_update(session):
        sealed = (tenant.settings or {}).get(SECRET_SETTING)
        if not isinstance(sealed, str) or not sealed:
            continue
        try:
            resealed.append((tenant, box.reseal(sealed, old_keys=old_keys)))
        except CredentialsUnreadable:
            unreadable.append(tenant.slug)
    if unreadable:
        raise AdminError(
            f"the notification signing secret of {len(unreadable)} tenant(s) can be read with neither the "
            f"configured key nor the old key: {', '.join(unreadable)}; nothing was changed "
            "(make them new ones with: chatbot tenant set --rotate-notify-secret)"
        )
    for tenant, token in resealed:
        await _update(session, tenant, {SECRET_SETTING: token})
    return len(resealed)
