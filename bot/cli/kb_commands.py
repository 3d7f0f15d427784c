"""`chatbot kb import`: the knowledge base."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import fail, in_session, settings_or_exit
from bot.engine.render import counted
from bot.tenancy.knowledge_import import (
    ImportReport,
    KnowledgeFileError,
    count_records,
    detect_format,
    import_knowledge,
    parse_knowledge_file,
)
from bot.tenancy.tenant_accounts import require_tenant


@click.group("kb")
def kb() -> None:
    """Knowledge base."""


@kb.command("import")
@click.option("--tenant", "tenant_slug", required=True)
@click.option(
    "--format", "fmt", default=None, type=click.Choice(["csv", "jsonl"]), help="Default: by extension."
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def kb_import(tenant_slug: str, fmt: str | None, path: Path) -> None:
    """Import knowledge entries from CSV or JSONL; bad rows are reported by line, good rows kept."""
    from rich.progress import Progress

    settings = settings_or_exit()
    try:
        file_format = detect_format(path, fmt)
        total = count_records(path, file_format)
    except KnowledgeFileError as exc:
        fail(str(exc), 1)

    async def work(session: AsyncSession) -> ImportReport:
        owner = await require_tenant(session, tenant_slug)
        with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
            task = progress.add_task(f"importing {path.name}", total=total)
            return await import_knowledge(
                session,
                tenant_id=owner.id,
                rows=parse_knowledge_file(path, file_format),
                on_row=lambda: progress.advance(task),
            )

    report = in_session(settings, work)
    for error in report.errors:
        click.echo(f"{path}:{error.message}", err=True)
    click.echo(
        f"imported {counted(report.added, 'entry', 'entries')} into {tenant_slug!r}; "
        f"{report.skipped_existing} already present; {len(report.errors)} rejected"
    )
    if report.errors:
        sys.exit(1)
