"""`chatbot serve`: the HTTP server with its inbox worker and outbox sender."""

from __future__ import annotations

import asyncio

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import fail, in_session, require_schema, run_db, settings_or_exit
from bot.config import Settings
from bot.security import CredentialBox, describe_key_source, resolve_secret_key
from bot.tenancy.credential_keys import ChannelLabel, find_unreadable_channels, unreadable_message


def refuse_unreadable_credentials(settings: Settings) -> None:
    """Exit 2 naming the channels whose credentials the configured key cannot decrypt, if any.

    Better than starting and then failing every handshake and webhook of those channels.
    """
    box = CredentialBox(resolve_secret_key(settings))

    async def work(session: AsyncSession) -> tuple[ChannelLabel, ...]:
        return await find_unreadable_channels(session, box)

    unreadable = in_session(settings, work, check_schema=False)
    if unreadable:
        fail(unreadable_message(unreadable, describe_key_source(settings)), 2)


@click.command("serve")
def serve() -> None:
    """Start the HTTP server with its inbox worker and outbox sender."""
    from bot.app import create_app, serve_until_stopped

    settings = settings_or_exit()
    run_db(settings, require_schema(settings))
    refuse_unreadable_credentials(settings)
    base = settings.effective_public_url
    urls = "\n".join(
        [
            f"chatbot serving on http://{settings.host}:{settings.port}",
            f"  health     {base}/healthz",
            f"  readiness  {base}/readyz",
            f"  webhooks   {base}/webhooks/<platform>/<channel key>",
            f"  links      {base}/r/<token>",
            "Press Ctrl-C to stop.",
        ]
    )
    asyncio.run(
        serve_until_stopped(
            create_app(settings), settings.host, settings.port, on_started=lambda: click.echo(urls)
        )
    )
