"""`chatbot serve [--workers N]`: the HTTP server with its inbox worker and outbox sender, in N processes."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import fail, in_session, require_schema, run_db, settings_or_exit
from bot.cli.worker_supervisor import WORKER_OPTION, PortTaken, check_port_free, supervise
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
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes sharing the port (more than 1: PostgreSQL only). Default: CHATBOT_WORKERS or 1.",
)
@click.option(WORKER_OPTION, "worker_number", type=int, default=None, hidden=True)
def serve(workers: int | None, worker_number: int | None) -> None:
    """Start the HTTP server with its inbox worker and outbox sender."""
    settings = settings_or_exit()
    if worker_number is not None:
        # One of `--workers N`'s processes: the supervisor has checked the database and the port.
        _serve(settings, reuse_port=True)
        return
    count = workers or settings.workers
    if count > 1 and settings.is_sqlite:
        asked = f"--workers {count}" if workers else f"CHATBOT_WORKERS={count}"
        fail(
            f"{asked} needs PostgreSQL (set CHATBOT_DATABASE_URL=postgresql://...); "
            "a SQLite database is served by one process",
            2,
        )
    run_db(settings, require_schema(settings))
    refuse_unreadable_credentials(settings)
    if count == 1:
        _serve(settings, on_started=lambda: click.echo(_banner(settings)))
        return
    try:
        check_port_free(settings.host, settings.port)
    except PortTaken as exc:
        fail(str(exc), 1)
    sys.exit(
        supervise(
            settings,
            count,
            on_started=lambda pids: click.echo(
                _banner(settings, f"{len(pids)} worker processes: " + " ".join(map(str, pids)))
            ),
        )
    )


def _serve(
    settings: Settings, *, reuse_port: bool = False, on_started: Callable[[], None] = lambda: None
) -> None:
    from bot.app import create_app, serve_until_stopped

    asyncio.run(
        serve_until_stopped(
            create_app(settings), settings.host, settings.port, on_started=on_started, reuse_port=reuse_port
        )
    )


def _banner(settings: Settings, processes: str = "") -> str:
    base = settings.effective_public_url
    return "\n".join(
        [
            f"chatbot serving on http://{settings.host}:{settings.port}"
            + (f" ({processes})" if processes else ""),
            f"  health     {base}/healthz",
            f"  readiness  {base}/readyz",
            f"  metrics    {base}/metrics",
            f"  webhooks   {base}/webhooks/<platform>/<channel key>",
            f"  links      {base}/r/<token>",
            f"  console    {base}/console/",
            f"  admin API  {base}/api/v1/  (reference: {base}/api/v1/docs, {base}/api/v1/openapi.json)",
            "Press Ctrl-C to stop.",
        ]
    )
