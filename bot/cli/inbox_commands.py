"""`chatbot inbox failed|retry`: the durable inbound queue."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import in_session, settings_or_exit
from bot.engine.render import counted
from bot.tenancy.tenant_accounts import require_tenant
from storage import inbox_queue
from storage.models import utcnow


@click.group("inbox")
def inbox() -> None:
    """The durable inbound queue."""


@inbox.command("failed")
@click.option("--tenant", "tenant_slug", default=None)
@click.option("--limit", default=50, show_default=True)
def inbox_failed(tenant_slug: str | None, limit: int) -> None:
    """List events that failed after all their attempts."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[inbox_queue.EventSummary]:
        tenant_id = (await require_tenant(session, tenant_slug)).id if tenant_slug else None
        return await inbox_queue.list_events(session, status="failed", tenant_id=tenant_id, limit=limit)

    events = in_session(settings, work)
    for e in events:
        click.echo(f"{e.id}\ttenant {e.tenant_id}\tchannel {e.channel_id}\tattempts {e.attempts}\t{e.error}")
    click.echo(counted(len(events), "failed event"))


@inbox.command("retry")
@click.option("--tenant", "tenant_slug", default=None)
@click.option(
    "--id", "event_ids", multiple=True, type=int, help="Event id (repeatable); default: all failed."
)
def inbox_retry(tenant_slug: str | None, event_ids: tuple[int, ...]) -> None:
    """Put failed events back in the queue."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> int:
        tenant_id = (await require_tenant(session, tenant_slug)).id if tenant_slug else None
        return await inbox_queue.retry_failed(
            session, now=utcnow(), tenant_id=tenant_id, event_ids=list(event_ids)
        )

    click.echo(f"{counted(in_session(settings, work), 'event')} queued again")
