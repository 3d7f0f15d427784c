"""What every `chatbot` command shares: settings, one-line errors with exit codes, a database session."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.log_setup import configure_logging
from bot.config import ConfigError, Settings, load_settings
from bot.errors import AdminError
from bot.security import CredentialsUnreadable, resolve_secret_key
from bot.tenancy.knowledge_import import KnowledgeFileError
from storage.db import (
    DatabaseUrlError,
    create_engine,
    read_only,
    redacted,
    session_factory,
    transaction,
)
from storage.migrate import current_revision, head_revision

T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        fail(str(exc), 2)
    configure_logging(settings.log_level, log_format=settings.log_format)
    try:
        resolve_secret_key(settings)
    except ConfigError as exc:
        fail(str(exc), 2)
    return settings


def run_db(settings: Settings, coro: Awaitable[T]) -> T:
    """Run a coroutine that uses the database; turn an unreachable database into one line and exit 3."""
    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except (DBAPIError, OSError, TimeoutError, DatabaseUrlError) as exc:
        reason = getattr(exc, "orig", None) or exc
        fail(f"cannot reach the database at {redacted(settings.effective_database_url)}: {reason}", 3)
    except (AdminError, KnowledgeFileError, CredentialsUnreadable) as exc:
        fail(str(exc), 1)
    except ValidationError as exc:
        fail(refusal(exc), 1)


def refusal(exc: ValidationError) -> str:
    """A service model's first refusal as one line naming the field, as the admin API names it."""
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


async def require_schema(settings: Settings) -> None:
    # Alembic announces its dialect at INFO whenever it opens a context; for a mere revision check that is
    # noise on every command's stderr, burying the one line that matters.
    migration_log = logging.getLogger("alembic.runtime.migration")
    level = migration_log.level
    if settings.log_level != "DEBUG":
        migration_log.setLevel(logging.WARNING)
    try:
        revision = await current_revision(settings.effective_database_url)
    finally:
        migration_log.setLevel(level)
    if revision is None:
        fail(
            f"the database at {redacted(settings.effective_database_url)} has no schema yet; "
            "run: chatbot db upgrade",
            3,
        )
    if revision != head_revision():
        fail(
            f"the database at {redacted(settings.effective_database_url)} is at schema revision {revision}, "
            f"this version needs {head_revision()}; run: chatbot db upgrade",
            3,
        )


def in_session(
    settings: Settings,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    check_schema: bool = True,
    only_reads: bool = False,
) -> T:
    """Run ``work`` in one transaction (``only_reads``: a read-only one, which takes no write lock)."""

    async def go() -> T:
        if check_schema:
            await require_schema(settings)
        db = create_engine(settings.effective_database_url)
        unit = read_only if only_reads else transaction
        try:
            async with unit(session_factory(db)) as session:
                return await work(session)
        finally:
            await db.dispose()

    return run_db(settings, go())


def secret_once(label: str, value: str, *, stored: str = "only its hash is stored") -> None:
    click.echo(f"{label}: {value}")
    click.echo(f"  (shown once; {stored}, so keep it now)")
