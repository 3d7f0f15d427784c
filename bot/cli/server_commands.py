"""`chatbot serve`: the HTTP server with its inbox worker and outbox sender."""

from __future__ import annotations

import asyncio

import click

from bot.cli.helpers import require_schema, run_db, settings_or_exit


@click.command("serve")
def serve() -> None:
    """Start the HTTP server with its inbox worker and outbox sender."""
    from bot.app import create_app, serve_until_stopped

    settings = settings_or_exit()
    run_db(settings, require_schema(settings))
    base = settings.effective_public_url
    urls = "\n".join(
        [
            f"chatbot serving on http://{settings.host}:{settings.port}",
            f"  health     {base}/healthz",
            f"  readiness  {base}/readyz",
            f"  webhooks   {base}/webhooks/<platform>/<channel key>",
            "Press Ctrl-C to stop.",
        ]
    )
    asyncio.run(
        serve_until_stopped(
            create_app(settings), settings.host, settings.port, on_started=lambda: click.echo(urls)
        )
    )
