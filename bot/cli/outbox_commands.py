"""`chatbot outbox failed|retry`: replies that could not be delivered, and sending them again."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import in_session, settings_or_exit
from bot.engine.render import counted
from bot.tenancy.tenant_accounts import require_tenant
from storage import failed_sends
from storage.models import utcnow


@click.group("outbox")
def outbox() -> None:
    """The durable outbound queue (replies on their way to the platforms)."""


@outbox.command("failed")
@click.option("--tenant", "tenant_slug", default=None)
@click.option("--limit", default=50, show_default=True)
def outbox_failed(tenant_slug: str | None, limit: int) -> None:
    """List replies that could not be delivered, with the platform's reason."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[failed_sends.FailedSend]:
        tenant_id = (await require_tenant(session, tenant_slug)).id if tenant_slug else None
        return await failed_sends.list_failed(session, tenant_id=tenant_id, limit=limit)

    sends = in_session(settings, work)
    for s in sends:
        click.echo(
            f"{s.id}\ttenant {s.tenant_id}\tchannel {s.channel_id}\tmessage {s.message_id}"
            f"\tattempts {s.attempts}\t{s.error}"
        )
    click.echo(counted(len(sends), "failed send"))


@outbox.command("retry")
@click.option("--tenant", "tenant_slug", default=None)
@click.option("--id", "send_ids", multiple=True, type=int, help="Send id (repeatable); default: all failed.")
def outbox_retry(tenant_slug: str | None, send_ids: tuple[int, ...]) -> None:
    """Queue failed replies again; parts the platform already accepted are not sent twice."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> int:
        tenant_id = (await require_tenant(session, tenant_slug)).id if tenant_slug else None
        return await failed_sends.retry_failed(session, now=utcnow(), tenant_id=tenant_id, ids=list(send_ids))

    click.echo(f"{counted(in_session(settings, work), 'send')} queued again")
