"""`chatbot credits grant|adjust|show|history`: a tenant's credits, as an operator sees and changes them."""

from __future__ import annotations

from collections.abc import Sequence

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing import credit_accounts
from bot.billing.credit_accounts import CreditSummary, Granted
from bot.cli.helpers import in_session, settings_or_exit
from bot.engine.render import counted
from bot.tenancy.tenant_accounts import require_tenant
from storage import billing_records
from storage.models import BillingEvent, CreditTransaction, utcnow

_CREDITS = click.IntRange(min=1, max=credit_accounts.MAX_GRANT)


@click.group("credits")
def credits_group() -> None:
    """A tenant's credits: grant, adjust, show, history."""


@credits_group.command("grant")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--credits", "amount", type=_CREDITS, required=True, help="Credits to add (they roll over).")
@click.option(
    "--key",
    required=True,
    help="Idempotency key (say, the order id): the same key again adds nothing.",
)
@click.option("--note", default=None, help="Why, for the ledger.")
def credits_grant(tenant_slug: str, amount: int, key: str, note: str | None) -> None:
    """Add credits the tenant bought or was given."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> Granted:
        tenant = await require_tenant(session, tenant_slug)
        return await credit_accounts.grant(
            session, tenant, credits_added=amount, key=key, note=note, now=utcnow()
        )

    _print_change(in_session(settings, work), "granted", key)


@credits_group.command("adjust")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--credits", "delta", type=int, required=True, help="Credits to add, or take when negative.")
@click.option("--key", required=True, help="Idempotency key: the same key again changes nothing.")
@click.option("--reason", required=True, help="Why, for the ledger.")
def credits_adjust(tenant_slug: str, delta: int, key: str, reason: str) -> None:
    """Correct the tenant's balance either way."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> Granted:
        tenant = await require_tenant(session, tenant_slug)
        return await credit_accounts.adjust(session, tenant, delta=delta, key=key, note=reason, now=utcnow())

    _print_change(in_session(settings, work), "adjusted by", key)


def _print_change(change: Granted, verb: str, key: str) -> None:
    if change.repeated:
        click.echo(
            f"key {key!r} was used before for the same change: nothing changed; balance {change.balance}"
        )
    else:
        click.echo(f"{verb} {change.credits} credits; balance {change.balance}")


@credits_group.command("show")
@click.option("--tenant", "tenant_slug", required=True)
def credits_show(tenant_slug: str) -> None:
    """The plan, the subscription and the current period's credits, notices and billing."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> CreditSummary:
        return await credit_accounts.summary(session, await require_tenant(session, tenant_slug), utcnow())

    shown = in_session(settings, work)
    plan = f"{shown.plan_name} ({shown.plan_code})" if shown.plan_code else "none"
    status = shown.status or "no subscription"
    if shown.trial_ends_at is not None and shown.status == "trialing":
        status += f" until {shown.trial_ends_at:%Y-%m-%d %H:%M} UTC"
    percent = shown.period_used * 100 // shown.period_credits if shown.period_credits else 0
    lines = [
        f"plan        {plan}, overage {'allowed' if shown.overage_allowed else 'not allowed'}",
        f"status      {status}",
        f"period      {shown.period_start:%Y-%m-%d %H:%M} to {shown.period_end:%Y-%m-%d %H:%M} UTC",
        f"balance     {shown.balance} ({shown.reserved} held by turns in flight, {shown.available} free)",
        f"this period {shown.period_used} of {shown.period_credits} credits used ({percent} %); "
        f"plan credits {shown.period_plan_credits}, overage {shown.period_overage}",
    ]
    for notice in shown.notices:
        lines.append(f"notice      {notice.threshold} % reached at {notice.created_at:%Y-%m-%d %H:%M} UTC")
    for event in shown.billing:
        lines.append(f"billed      {_billing_line(event)}")
    lines.append(f"billed this period: {shown.billed:.2f} USD")
    click.echo("\n".join(lines))


@credits_group.command("history")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--billing", is_flag=True, help="The billing events (renewals, overage) instead of the ledger.")
def credits_history(tenant_slug: str, limit: int, billing: bool) -> None:
    """The tenant's credit ledger (or billing events), newest first."""
    settings = settings_or_exit()

    async def ledger(session: AsyncSession) -> list[CreditTransaction]:
        return await credit_accounts.history(session, await require_tenant(session, tenant_slug), limit=limit)

    async def events(session: AsyncSession) -> list[BillingEvent]:
        tenant = await require_tenant(session, tenant_slug)
        return await billing_records.billing_events(session, tenant.id, limit=limit)

    if billing:
        found = in_session(settings, events)
        for event in found:
            click.echo(_billing_line(event))
        total = sum(event.amount for event in found)
        click.echo(f"{counted(len(found), 'billing event')}, {total:.2f} USD")
        return
    rows = in_session(settings, ledger)
    _print_ledger(rows)


def _print_ledger(rows: Sequence[CreditTransaction]) -> None:
    click.echo("time                 kind     delta  held  balance  reserved  key")
    for row in rows:
        click.echo(
            f"{row.created_at:%Y-%m-%d %H:%M:%S}  {row.kind:<7} {row.delta:>6} {row.reserved_delta:>5} "
            f"{row.balance_after:>8} {row.reserved_after:>9}  {row.idempotency_key}"
            + (f"  ({row.description})" if row.description else "")
        )
    click.echo(counted(len(rows), "ledger row"))


def _billing_line(event: BillingEvent) -> str:
    return (
        f"{event.occurred_at:%Y-%m-%d %H:%M}  {event.kind:<12} {event.amount:>10.2f} {event.currency}  "
        f"{event.credits} credits  {event.description or ''}"
    ).rstrip()
