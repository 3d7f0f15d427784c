"""`chatbot customer forget`: erase a customer's personal data on request, keeping anonymised interactions."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.base import Platform
from bot.cli.helpers import fail, in_session, settings_or_exit
from bot.engine.render import counted
from bot.leads.forgetting import Forgotten, customer_by_platform_id, forget_customer
from bot.tenancy.tenant_accounts import require_tenant
from storage.models import utcnow


@click.group("customer")
def customer() -> None:
    """Customers."""


@customer.command("forget")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--id", "customer_id", type=int, default=None, help="The customer's id.")
@click.option("--platform", type=click.Choice([p.value for p in Platform]), default=None, help="With --user.")
@click.option("--user", "platform_user_id", default=None, help="The customer's id on the platform.")
@click.option(
    "--requested-by",
    default="operator (command line)",
    show_default=True,
    help="Who asked: recorded with the erasure.",
)
def customer_forget(
    tenant_slug: str,
    customer_id: int | None,
    platform: str | None,
    platform_user_id: str | None,
    requested_by: str,
) -> None:
    """Forget a customer: erase their name, phone, platform id, group memberships and words; keep the
    anonymised interactions for reports. Doing it again changes nothing."""
    by_platform = platform is not None or platform_user_id is not None
    if (customer_id is None) == (not by_platform):
        fail("name the customer either by --id or by --platform and --user", 2)
    if by_platform and (platform is None or not platform_user_id):
        fail("--platform and --user go together", 2)
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> Forgotten:
        tenant_id = (await require_tenant(session, tenant_slug)).id
        wanted = customer_id
        if wanted is None:
            assert platform is not None
            assert platform_user_id is not None
            wanted = await customer_by_platform_id(
                session, tenant_id, platform=platform, platform_user_id=platform_user_id
            )
        return await forget_customer(session, tenant_id, wanted, requested_by=requested_by, now=utcnow())

    done = in_session(settings, work)
    if done.already:
        click.echo(
            f"customer {done.customer_id} was already forgotten on {done.erased_at:%Y-%m-%d %H:%M} UTC; "
            "nothing changed"
        )
        return
    click.echo(
        f"customer {done.customer_id} forgotten: {counted(done.messages, 'message')} erased, "
        f"{counted(done.memberships, 'group membership')} removed, "
        f"{counted(done.conversations_closed, 'open conversation')} closed"
    )
