"""`chatbot apikey create|list|revoke`: a tenant's API keys (the same service as /api/v1/api-keys)."""

from __future__ import annotations

from datetime import datetime

import click
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import fail, in_session, secret_once, settings_or_exit
from bot.tenancy.api_key_admin import ApiKeyFields, ApiKeyIssued, ApiKeyView, issue_key, list_keys, revoke_key
from bot.tenancy.refusal_wording import refusal
from bot.tenancy.tenant_accounts import require_tenant
from storage.keyset import MAX_PAGE


@click.group("apikey")
def apikey() -> None:
    """A tenant's API keys for the admin API."""


@apikey.command("create")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", required=True, help="What the key is for, e.g. 'shop checkout'.")
def apikey_create(tenant_slug: str, name: str) -> None:
    """Issue a new API key; prints it once (the tenant's other keys keep working)."""
    try:
        fields = ApiKeyFields(name=name)
    except ValidationError as exc:
        fail(refusal(exc, ApiKeyFields).message, 1)
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> ApiKeyIssued:
        tenant = await require_tenant(session, tenant_slug)
        return await issue_key(session, tenant.id, fields)

    issued = in_session(settings, work)
    click.echo(f"API key {issued.name!r} created for tenant {tenant_slug!r} (id {issued.id})")
    secret_once("API key", issued.key)


@apikey.command("list")
@click.option("--tenant", "tenant_slug", required=True)
def apikey_list(tenant_slug: str) -> None:
    """List the tenant's keys, newest first: id, name, prefix, created, last used, revoked."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[ApiKeyView]:
        tenant = await require_tenant(session, tenant_slug)
        keys: list[ApiKeyView] = []
        before: int | None = None
        while True:
            page = await list_keys(session, tenant.id, limit=MAX_PAGE, before=before)
            keys.extend(ApiKeyView.model_validate(row) for row in page.rows)
            if page.next_before is None:
                return keys
            before = page.next_before

    keys = in_session(settings, work, only_reads=True)
    if not keys:
        click.echo(f"tenant {tenant_slug!r} has no API keys; make one with: chatbot apikey create")
        return
    click.echo("id\tname\tprefix\tcreated\tlast used\trevoked")
    for key in keys:
        click.echo(
            f"{key.id}\t{key.name}\t{key.prefix}...\t{_when(key.created_at)}\t"
            f"{_when(key.last_used_at, 'never')}\t{_when(key.revoked_at, 'no')}"
        )


@apikey.command("revoke")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--id", "key_id", required=True, type=int, help="The key's id (see: chatbot apikey list).")
def apikey_revoke(tenant_slug: str, key_id: int) -> None:
    """Revoke one key: it is refused from now on."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> str:
        tenant = await require_tenant(session, tenant_slug)
        return (await revoke_key(session, tenant.id, key_id)).name

    name = in_session(settings, work)
    click.echo(f"API key {key_id} ({name!r}) of tenant {tenant_slug!r} revoked; it is refused from now on")


def _when(moment: datetime | None, otherwise: str = "") -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else otherwise
