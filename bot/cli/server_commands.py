"""`chatbot serve`: the HTTP server with its inbox worker and outbox sender."""

from __future__ import annotations

import click

from bot.cli.helpers import require_schema, run_db, settings_or_exit


@click.command("serve")
def serve() -> None:
    """Start the HTTP server with its inbox worker and outbox sender."""
    from aiohttp import web

    from bot.app import create_app

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
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, print=lambda _: click.echo(urls)
    )
