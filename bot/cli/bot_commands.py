"""`chatbot bot show|set` and `chatbot intent add|list|remove`: configure how a tenant's bot answers."""

from __future__ import annotations

import json
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import fail, in_session, settings_or_exit
from bot.engine.render import counted
from bot.tenancy import bot_settings, tenant_intents
from bot.tenancy.bot_settings import BotChanges, ensure_bot
from bot.tenancy.refusal_wording import refusal
from bot.tenancy.tenant_accounts import require_tenant


@click.group("bot")
def bot_group() -> None:
    """The tenant's bot: persona, LLM settings, thresholds, tools."""


@bot_group.command("show")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", default=None, help="Bot name (default: the tenant's first bot).")
def bot_show(tenant_slug: str, name: str | None) -> None:
    """Print the bot's settings as JSON."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> dict[str, Any]:
        tenant = await require_tenant(session, tenant_slug)
        return bot_settings.describe(await ensure_bot(session, tenant, name))

    click.echo(json.dumps(in_session(settings, work), indent=2, ensure_ascii=False))


@bot_group.command("set")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", default=None, help="Bot name (default: the tenant's first bot).")
@click.option(
    "--persona", default=None, help="Who the bot is and how it speaks (goes into the system prompt)."
)
@click.option("--model", default=None, help="Gemini model for this bot, e.g. gemini-2.5-flash.")
@click.option("--temperature", type=float, default=None, help="0 to 2.")
@click.option("--max-output-tokens", type=int, default=None)
@click.option(
    "--knowledge-threshold", type=float, default=None, help="0 to 1: how sure a knowledge answer must be."
)
@click.option("--escalation-threshold", type=float, default=None, help="0 to 1.")
@click.option("--handoff-after-fallbacks", type=int, default=None)
@click.option("--max-tool-rounds", type=int, default=None, help="0 to 10 rounds of tool calls per turn.")
@click.option("--handoff-on-llm-failure/--no-handoff-on-llm-failure", default=None)
@click.option(
    "--out-of-credits",
    "out_of_credits_action",
    type=click.Choice(bot_settings.OUT_OF_CREDITS_CHOICES),
    default=None,
    help="When the tenant is out of credits: answer without the LLM (knowledge or fallback) or hand off.",
)
@click.option(
    "--fallback-text", default=None, help="What the bot says when it cannot answer (empty: the default)."
)
@click.option("--tools", default=None, help=f"Comma-separated, any of: {', '.join(bot_settings.TOOL_NAMES)}.")
@click.option(
    "--handoff-phrases", default=None, help="Comma-separated words a customer uses for 'a person, please'."
)
@click.option(
    "--escalation-intents", default=None, help="Comma-separated intents that hand over (default complaint)."
)
@click.option("--handoff-after-negative", type=int, default=None, help="Negative messages in a row (0: off).")
@click.option(
    "--handoff-text", default=None, help="What the customer is told when handed over (empty: the default)."
)
def bot_set(
    tenant_slug: str,
    name: str | None,
    tools: str | None,
    handoff_phrases: str | None,
    escalation_intents: str | None,
    **values: Any,
) -> None:
    """Change the bot's settings; options left out stay as they are."""
    settings = settings_or_exit()
    given = {
        "tools": _listed(tools),
        "handoff_phrases": _listed(handoff_phrases),
        "escalation_intents": _listed(escalation_intents),
        **values,
    }
    payload = {k: v for k, v in given.items() if v is not None}
    # An empty text or model means "back to the default" (null in the admin API).
    payload.update({k: None for k in bot_settings.NULLABLE if payload.get(k) == ""})
    try:
        changes = BotChanges.model_validate(payload)
    except ValidationError as exc:
        fail(refusal(exc, BotChanges).message, 1)

    async def work(session: AsyncSession) -> dict[str, Any]:
        tenant = await require_tenant(session, tenant_slug)
        return bot_settings.describe(await bot_settings.update_bot(session, tenant, name, changes))

    click.echo(json.dumps(in_session(settings, work), indent=2, ensure_ascii=False))


def _listed(raw: str | None) -> list[str] | None:
    return None if raw is None else [part.strip() for part in raw.split(",") if part.strip()]


@click.group("intent")
def intent_group() -> None:
    """The tenant's own intents (example phrases), scored alongside the built-in ones."""


@intent_group.command("add")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", required=True)
@click.option("--example", "examples", multiple=True, required=True, help="An example phrase (repeatable).")
def intent_add(tenant_slug: str, name: str, examples: tuple[str, ...]) -> None:
    """Add or replace an intent with its example phrases."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> tenant_intents.SavedIntent:
        tenant = await require_tenant(session, tenant_slug)
        fields = tenant_intents.IntentFields(name=name, examples=list(examples))
        return await tenant_intents.save_intent(session, tenant.id, fields)

    saved = in_session(settings, work)
    click.echo(
        f"intent {saved.intent.name!r} saved with {counted(len(saved.intent.examples), 'example')}; "
        f"tenant {tenant_slug!r} has {counted(saved.count, 'intent')}"
    )


@intent_group.command("list")
@click.option("--tenant", "tenant_slug", required=True)
def intent_list(tenant_slug: str) -> None:
    """List the tenant's intents."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[tenant_intents.IntentView]:
        tenant = await require_tenant(session, tenant_slug)
        return await tenant_intents.list_intents(session, tenant.id)

    for intent in in_session(settings, work, only_reads=True):
        click.echo(f"{intent.name}\t{' | '.join(intent.examples)}")


@intent_group.command("remove")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", required=True)
def intent_remove(tenant_slug: str, name: str) -> None:
    """Remove one of the tenant's intents."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> None:
        tenant = await require_tenant(session, tenant_slug)
        await tenant_intents.remove_intent(session, tenant.id, name)

    in_session(settings, work)
    click.echo(f"intent {name!r} removed")
