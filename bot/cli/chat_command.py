"""`chatbot chat`: talk to a tenant's bot in this terminal."""

from __future__ import annotations

import logging
import sys

import click

from bot.cli.helpers import require_schema, run_db, settings_or_exit


@click.command("chat")
@click.option("--tenant", "tenant_slug", default="demo", show_default=True, help="Tenant slug.")
@click.option("--user", default=None, help="Who you are in the conversation (default: your login name).")
def chat(tenant_slug: str, user: str | None) -> None:
    """Talk to a tenant's bot in this terminal (reads piped standard input too)."""
    from bot.cli.terminal_chat import run_chat, stdin_lines

    settings = settings_or_exit()
    if settings.log_level == "INFO":
        logging.getLogger().setLevel(logging.WARNING)
    interactive = sys.stdin.isatty()

    async def go() -> int:
        await require_schema(settings)
        return await run_chat(
            settings,
            tenant_slug=tenant_slug,
            user=user,
            lines=stdin_lines("you> " if interactive else None),
            out=sys.stdout,
            show_banner=interactive,
        )

    sys.exit(run_db(settings, go()))
