"""`chatbot db upgrade`: create or migrate the schema."""

from __future__ import annotations

import click

from bot.cli.helpers import run_db, settings_or_exit
from storage.db import redacted
from storage.migrate import upgrade_async


@click.group("db")
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema (SQLite or PostgreSQL)."""
    settings = settings_or_exit()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    run_db(settings, upgrade_async(settings.effective_database_url, revision))
    click.echo(f"database at {redacted(settings.effective_database_url)} is at revision {revision}")
