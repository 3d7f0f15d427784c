"""`chatbot demo`: seed the demo tenant."""

from __future__ import annotations

import click

from bot.cli.helpers import in_session, secret_once, settings_or_exit
from bot.security import CredentialBox, resolve_secret_key


@click.command("demo")
@click.option("--quiet", is_flag=True, help="Print nothing when the demo is already in place.")
def demo(quiet: bool) -> None:
    """Create the demo tenant, bot, knowledge base, templates, commands, console channel and a week of past
    sales: link clicks and conversions (idempotent)."""
    from bot.tenancy.demo.seed import seed_demo

    settings = settings_or_exit()
    box = CredentialBox(resolve_secret_key(settings))
    report = in_session(settings, lambda s: seed_demo(s, box, sales=True))
    if not report.changed:
        if not quiet:
            click.echo("the demo tenant 'demo' is already set up; nothing changed")
        return
    click.echo("demo tenant 'demo' ready; created: " + ", ".join(report.created))
    if report.api_key:
        secret_once("tenant API key", report.api_key)
    click.echo("talk to it with: make chat   (or: chatbot chat)")
