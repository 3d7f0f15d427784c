"""`chatbot kb import`, `chatbot kb test` and `chatbot kb synonyms`: the knowledge base, what the bot makes
of a question, and the tenant's own words for what its entries say."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import fail, in_session, settings_or_exit
from bot.engine.render import counted
from bot.pipeline.trial_turn import TrialResult, try_question
from bot.tenancy import tenant_synonyms
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


@kb.command("test")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--bot", "bot_name", default=None, help="Bot name (default: the tenant's first bot).")
@click.argument("question")
def kb_test(tenant_slug: str, bot_name: str | None, question: str) -> None:
    """Show how the bot would answer QUESTION without the LLM: route, intent, knowledge hits and why."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> TrialResult:
        owner = await require_tenant(session, tenant_slug)
        return await try_question(session, tenant_id=owner.id, question=question, bot_name=bot_name)

    result = in_session(settings, work, only_reads=True)
    for line in describe(result):
        click.echo(line)


@kb.group("synonyms")
def synonyms_group() -> None:
    """The tenant's own synonym groups: words the knowledge search counts as synonyms of each other."""


@synonyms_group.command("add")
@click.option("--tenant", "tenant_slug", required=True)
@click.argument("name")
@click.argument("members", nargs=-1, required=True)
def synonyms_add(tenant_slug: str, name: str, members: tuple[str, ...]) -> None:
    """Add or replace the group NAME with MEMBERS (words or phrases of up to 4 words)."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> tenant_synonyms.SavedGroup:
        tenant = await require_tenant(session, tenant_slug)
        fields = tenant_synonyms.SynonymGroupFields(name=name, members=list(members))
        return await tenant_synonyms.save_group(session, tenant.id, fields)

    saved = in_session(settings, work)
    click.echo(
        f"synonym group {saved.group.name!r} saved with {counted(len(saved.group.members), 'synonym')}; "
        f"tenant {tenant_slug!r} has {counted(saved.count, 'synonym group')}"
    )


@synonyms_group.command("list")
@click.option("--tenant", "tenant_slug", required=True)
def synonyms_list(tenant_slug: str) -> None:
    """List the tenant's synonym groups: the name, a tab, then the members."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[tenant_synonyms.SynonymGroupView]:
        tenant = await require_tenant(session, tenant_slug)
        return await tenant_synonyms.list_groups(session, tenant.id)

    for group in in_session(settings, work, only_reads=True):
        click.echo(f"{group.name}\t{' | '.join(group.members)}")


@synonyms_group.command("remove")
@click.option("--tenant", "tenant_slug", required=True)
@click.argument("name")
def synonyms_remove(tenant_slug: str, name: str) -> None:
    """Remove the tenant's synonym group NAME."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> str:
        tenant = await require_tenant(session, tenant_slug)
        return await tenant_synonyms.remove_group(session, tenant.id, name)

    click.echo(f"synonym group {in_session(settings, work)!r} removed")


def describe(result: TrialResult) -> list[str]:
    """The lines `kb test` prints: the decision first, then every knowledge search behind it."""
    decision = result.decision
    route: str = decision.route
    if decision.command_id is not None:
        route += f" (command id {decision.command_id})"
    if decision.template_id is not None:
        route += f" (template id {decision.template_id})"
    if decision.knowledge_entry_ids:
        route += " (entry " + ", ".join(f"#{entry}" for entry in decision.knowledge_entry_ids) + ")"
    lines = [
        f"route:      {route}",
        f"why:        {decision.explanation or '-'}",
        f"intent:     {decision.intent or '-'} ({decision.intent_score or 0.0:.2f})"
        + (
            f", read again from the answer (the message alone reads {decision.intent_as_written})"
            if decision.intent_as_written
            else ""
        )
        + (
            f", read again by the learned correction (the rules read {decision.intent_learned_from})"
            if decision.intent_learned_from
            else ""
        ),
        f"sentiment:  {decision.sentiment or '-'} ({decision.sentiment_score or 0.0:+.2f})",
        f"bot:        {result.bot.name}, knowledge threshold {result.bot.knowledge_threshold:.2f}",
    ]
    for number, reply in enumerate(decision.replies, start=1):
        label = "reply:" if len(decision.replies) == 1 else f"reply {number}:"
        text = reply.text.replace("\n", "\n            ")
        lines.append(f"{label:<11} {text}")
        if reply.choices:
            lines.append("choices:    " + " | ".join(reply.choices))
    if not result.searches:
        lines.append("knowledge:  not searched")
    for query, hits in result.searches:
        lines.append(f"knowledge search for {query!r}:")
        if not hits:
            lines.append("  no entry shares a word with it")
        for searched in hits:
            hit = searched.hit
            mark = "*" if hit.score >= result.bot.knowledge_threshold else " "
            matched = ", ".join(searched.matched) or "-"
            lines.append(f"  {mark} {hit.score:.2f}  #{hit.entry_id} {hit.question}  [matched: {matched}]")
    return lines
