"""`chatbot demo`: seed the demo tenants (the coffee shop, and the internet provider's support desk)."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import in_session, secret_once, settings_or_exit
from bot.security import CredentialBox, resolve_secret_key


@click.command("demo")
@click.option("--quiet", is_flag=True, help="Print nothing when the demo is already in place.")
def demo(quiet: bool) -> None:
    """Create the demo tenant, bot, knowledge base, templates, commands, console channel and a week of past
    sales: link clicks and conversions; and a second demo tenant, an internet provider's support desk
    (idempotent)."""
    from bot.tenancy.demo.seed import DemoReport, seed_demo, seed_isp

    settings = settings_or_exit()
    box = CredentialBox(resolve_secret_key(settings))

    async def both(session: AsyncSession) -> tuple[DemoReport, DemoReport]:
        return await seed_demo(session, box, sales=True), await seed_isp(session, box)

    report, isp = in_session(settings, both)
    if not report.changed and not isp.changed:
        if not quiet:
            click.echo("the demo tenants 'demo' and 'isp' are already set up; nothing changed")
        return
    if report.changed:
        click.echo("demo tenant 'demo' ready; created: " + ", ".join(report.created))
        if report.api_key:
            secret_once("tenant API key", report.api_key)
    if isp.changed:
        click.echo("demo tenant 'isp' ready; created: " + ", ".join(isp.created))
        if isp.api_key:
            # One key is shown per run; the second tenant's own is made on request.
            click.echo("  (an API key for it: chatbot apikey create --tenant isp)")
    click.echo("talk to it with: make chat   (or: chatbot chat, chatbot chat --tenant isp)")
