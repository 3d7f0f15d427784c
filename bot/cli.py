"""The `chatbot` command line: serve, chat, db upgrade, demo, tenants, agents, channels, kb import, inbox.

Exit codes: 0 success; 1 the request could not be carried out (unknown tenant, bad file, rows rejected);
2 bad usage or configuration; 3 the database cannot be reached or has no schema yet.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot import admin
from bot.cli_config import bot_group, intent_group
from bot.cli_support import fail, in_session, require_schema, run_db, secret_once, settings_or_exit
from bot.crypto import CredentialBox, generate_key, resolve_secret_key
from bot.kb_import import KnowledgeFileError, count_records, detect_format, parse_knowledge_file
from storage import inbox as inbox_queue
from storage.db import redacted
from storage.migrate import upgrade_async
from storage.models import utcnow


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chatbot-runtime")
def main() -> None:
    """Multi-tenant chatbot runtime for Messenger, WhatsApp and GroupMe."""


@main.command()
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


@main.command()
@click.option("--tenant", "tenant_slug", default="demo", show_default=True, help="Tenant slug.")
@click.option("--user", default=None, help="Who you are in the conversation (default: your login name).")
def chat(tenant_slug: str, user: str | None) -> None:
    """Talk to a tenant's bot in this terminal (reads piped standard input too)."""
    from bot.chat import run_chat, stdin_lines

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


@main.group()
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


@main.command()
@click.option("--quiet", is_flag=True, help="Print nothing when the demo is already in place.")
def demo(quiet: bool) -> None:
    """Create the demo tenant, bot, knowledge base, templates, commands and console channel (idempotent)."""
    from bot.demo import seed_demo

    settings = settings_or_exit()
    box = CredentialBox(resolve_secret_key(settings))
    report = in_session(settings, lambda s: seed_demo(s, box))
    if not report.changed:
        if not quiet:
            click.echo("the demo tenant 'demo' is already set up; nothing changed")
        return
    click.echo("demo tenant 'demo' ready; created: " + ", ".join(report.created))
    if report.api_key:
        secret_once("tenant API key", report.api_key)
    click.echo("talk to it with: make chat   (or: chatbot chat)")


@main.group()
def tenant() -> None:
    """Tenants."""


@tenant.command("create")
@click.option("--name", required=True)
@click.option("--slug", required=True, help="Short unique id: lowercase letters, digits, dashes.")
@click.option(
    "--plan", default="free", show_default=True, type=click.Choice(["free", "basic", "pro", "enterprise"])
)
def tenant_create(name: str, slug: str, plan: str) -> None:
    """Create a tenant; prints its API key once."""
    settings = settings_or_exit()
    created = in_session(settings, lambda s: admin.create_tenant(s, name=name, slug=slug, plan_code=plan))
    click.echo(f"tenant {slug!r} created (id {created.id}, plan {plan})")
    secret_once("API key", created.secret)


@tenant.command("list")
def tenant_list() -> None:
    """List tenants."""
    from sqlalchemy import select

    from storage.models import Tenant

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[tuple[str, str]]:
        rows = await session.execute(select(Tenant.slug, Tenant.name).order_by(Tenant.slug))
        return [(slug, name) for slug, name in rows.all()]

    for slug, name in in_session(settings, work):
        click.echo(f"{slug}\t{name}")


@main.group()
def agent() -> None:
    """Human agents."""


@agent.command("create")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", required=True)
@click.option("--role", default="agent", show_default=True, type=click.Choice(["agent", "admin"]))
@click.option("--email", default=None)
def agent_create(tenant_slug: str, name: str, role: str, email: str | None) -> None:
    """Create a human agent; prints its token once."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> admin.Created:
        owner = await admin.require_tenant(session, tenant_slug)
        return await admin.create_agent(session, tenant=owner, name=name, role=role, email=email)

    created = in_session(settings, work)
    click.echo(f"agent {name!r} created for tenant {tenant_slug!r} (id {created.id}, role {role})")
    secret_once("agent token", created.secret)


@main.group()
def channel() -> None:
    """Platform channels."""


@channel.command("add")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--platform", required=True, type=click.Choice(["messenger", "whatsapp", "groupme", "console"]))
@click.option("--name", default=None, help="A label for the channel.")
@click.option("--bot", "bot_name", default=None, help="Bot that answers (default: the tenant's first bot).")
@click.option("--page-id", default=None, help="Messenger: the Facebook page id.")
@click.option("--phone-number-id", default=None, help="WhatsApp: the phone number id.")
@click.option("--bot-id", "groupme_bot_id", default=None, help="GroupMe: the bot id.")
@click.option("--group-id", default=None, help="GroupMe: the group id.")
@click.option(
    "--access-token", default=None, envvar="CHATBOT_CHANNEL_ACCESS_TOKEN", help="Platform access token."
)
@click.option("--app-secret", default=None, envvar="CHATBOT_CHANNEL_APP_SECRET", help="Meta app secret.")
@click.option(
    "--verify-token", default=None, envvar="CHATBOT_CHANNEL_VERIFY_TOKEN", help="Meta verify token."
)
@click.option(
    "--app-id", default=None, help="Meta app id: echoes of this app's own sends are not recorded twice."
)
@click.option(
    "--window-template", default=None, help="WhatsApp: template to send when the 24-hour window has closed."
)
@click.option("--template-language", default=None, help="WhatsApp: that template's language code (en_US).")
@click.option(
    "--answer-mode",
    default=None,
    type=click.Choice(["mention", "prefix", "all"]),
    help="GroupMe: when the bot answers: named or a command (mention), commands only (prefix), or all.",
)
@click.option("--command-prefix", default=None, help="GroupMe: what starts a command (default !).")
def channel_add(tenant_slug: str, platform: str, **options: str | None) -> None:
    """Connect a channel; prints its webhook URL (secrets are stored encrypted, never printed)."""
    settings = settings_or_exit()
    box = CredentialBox(resolve_secret_key(settings))
    request = admin.ChannelRequest(
        platform=platform,
        name=options["name"],
        bot_name=options["bot_name"],
        external_id=options["page_id"] or options["phone_number_id"] or options["groupme_bot_id"],
        group_id=options["group_id"],
        secrets={
            k: v for k in ("access_token", "app_secret", "verify_token") if (v := options[k]) is not None
        },
        settings={
            "app_id": options["app_id"],
            "window_template": options["window_template"],
            "window_template_language": options["template_language"],
            "answer_mode": options["answer_mode"],
            "command_prefix": options["command_prefix"],
        },
    )

    async def work(session: AsyncSession) -> str:
        owner = await admin.require_tenant(session, tenant_slug)
        created = await admin.add_channel(session, box, tenant=owner, request=request)
        return admin.webhook_url(settings.effective_public_url, created)

    url = in_session(settings, work)
    click.echo(f"{platform} channel added for tenant {tenant_slug!r}")
    click.echo(f"webhook URL: {url}")


@main.group()
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

    async def work(session: AsyncSession) -> admin.ImportReport:
        owner = await admin.require_tenant(session, tenant_slug)
        with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
            task = progress.add_task(f"importing {path.name}", total=total)
            return await admin.import_knowledge(
                session,
                tenant=owner,
                rows=parse_knowledge_file(path, file_format),
                on_row=lambda: progress.advance(task),
            )

    report = in_session(settings, work)
    for error in report.errors:
        click.echo(f"{path}:{error.message}", err=True)
    click.echo(
        f"imported {report.added} entries into {tenant_slug!r}; "
        f"{report.skipped_existing} already present; {len(report.errors)} rejected"
    )
    if report.errors:
        sys.exit(1)


@main.group()
def inbox() -> None:
    """The durable inbound queue."""


@inbox.command("failed")
@click.option("--tenant", "tenant_slug", default=None)
@click.option("--limit", default=50, show_default=True)
def inbox_failed(tenant_slug: str | None, limit: int) -> None:
    """List events that failed after all their attempts."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[inbox_queue.EventSummary]:
        tenant_id = (await admin.require_tenant(session, tenant_slug)).id if tenant_slug else None
        return await inbox_queue.list_events(session, status="failed", tenant_id=tenant_id, limit=limit)

    events = in_session(settings, work)
    for e in events:
        click.echo(f"{e.id}\ttenant {e.tenant_id}\tchannel {e.channel_id}\tattempts {e.attempts}\t{e.error}")
    click.echo(f"{len(events)} failed event(s)")


@inbox.command("retry")
@click.option("--tenant", "tenant_slug", default=None)
@click.option(
    "--id", "event_ids", multiple=True, type=int, help="Event id (repeatable); default: all failed."
)
def inbox_retry(tenant_slug: str | None, event_ids: tuple[int, ...]) -> None:
    """Put failed events back in the queue."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> int:
        tenant_id = (await admin.require_tenant(session, tenant_slug)).id if tenant_slug else None
        return await inbox_queue.retry_failed(
            session, now=utcnow(), tenant_id=tenant_id, event_ids=list(event_ids)
        )

    click.echo(f"{in_session(settings, work)} event(s) queued again")


@main.group()
def secret() -> None:
    """Secret keys."""


@secret.command("generate")
def secret_generate() -> None:
    """Print a new Fernet key for CHATBOT_SECRET_KEY."""
    click.echo(generate_key())


main.add_command(bot_group)
main.add_command(intent_group)
