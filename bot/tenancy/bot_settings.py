"""Configure a tenant's bot (persona, model, thresholds, tools); used by the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.tools.builtin import BUILTIN_TOOLS
from bot.errors import AdminError
from storage import channels
from storage.models import Bot, Tenant
from storage.models.channel_tables import OUT_OF_CREDITS_ACTIONS

TOOL_NAMES = tuple(tool.name for tool in BUILTIN_TOOLS)
OUT_OF_CREDITS_CHOICES = OUT_OF_CREDITS_ACTIONS


async def ensure_bot(session: AsyncSession, tenant: Tenant, name: str | None) -> Bot:
    """The named bot, or the tenant's first bot, or a new default bot."""
    if name:
        bot = await channels.get_bot_by_name(session, tenant.id, name)
        if bot is None:
            raise AdminError(f"tenant {tenant.slug!r} has no bot named {name!r}")
        return bot
    bot = await channels.first_bot(session, tenant.id)
    if bot is None:
        bot = Bot(tenant_id=tenant.id, name="Assistant", persona="", enabled_tools=[])
        session.add(bot)
        await session.flush()
    return bot


@dataclass(frozen=True)
class BotChanges:
    persona: str | None = None
    model: str | None = None
    temperature: float | None = None
    max_output_tokens: int | None = None
    knowledge_threshold: float | None = None
    escalation_threshold: float | None = None
    handoff_after_fallbacks: int | None = None
    max_tool_rounds: int | None = None
    handoff_on_llm_failure: bool | None = None
    out_of_credits_action: str | None = None
    fallback_text: str | None = None
    tools: tuple[str, ...] | None = None
    handoff_phrases: tuple[str, ...] | None = None
    escalation_intents: tuple[str, ...] | None = None
    handoff_after_negative: int | None = None
    handoff_text: str | None = None


_LISTS = ("tools", "handoff_phrases", "escalation_intents")

_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "max_output_tokens": (16, 8192),
    "knowledge_threshold": (0.0, 1.0),
    "escalation_threshold": (0.0, 1.0),
    "handoff_after_fallbacks": (0, 10),
    "handoff_after_negative": (0, 10),
    "max_tool_rounds": (0, 10),
}


def describe(bot: Bot) -> dict[str, Any]:
    return {
        "name": bot.name,
        "persona": bot.persona,
        "model": bot.model or "(the server's CHATBOT_GEMINI_MODEL)",
        "temperature": bot.temperature,
        "max_output_tokens": bot.max_output_tokens,
        "knowledge_threshold": bot.knowledge_threshold,
        "escalation_threshold": bot.escalation_threshold,
        "handoff_after_fallbacks": bot.handoff_after_fallbacks,
        "max_tool_rounds": bot.max_tool_rounds,
        "handoff_on_llm_failure": bot.handoff_on_llm_failure,
        "out_of_credits_action": bot.out_of_credits_action,
        "fallback_text": bot.fallback_text,
        "tools": list(bot.enabled_tools),
        "handoff_phrases": list(bot.handoff_phrases),
        "escalation_intents": list(bot.escalation_intents),
        "handoff_after_negative": bot.handoff_after_negative,
        "handoff_text": bot.handoff_text,
    }


async def update_bot(session: AsyncSession, tenant: Tenant, name: str | None, changes: BotChanges) -> Bot:
    """Apply the given changes to the tenant's bot; every value is checked before anything changes."""
    bot = await ensure_bot(session, tenant, name)
    for field, (low, high) in _RANGES.items():
        value = getattr(changes, field)
        if value is not None and not low <= value <= high:
            raise AdminError(f"{field.replace('_', '-')} must be between {low:g} and {high:g}, got {value:g}")
    action = changes.out_of_credits_action
    if action is not None and action not in OUT_OF_CREDITS_CHOICES:
        raise AdminError(f"out-of-credits must be one of {', '.join(OUT_OF_CREDITS_CHOICES)}, got {action!r}")
    if changes.tools is not None:
        unknown = sorted(set(changes.tools) - set(TOOL_NAMES))
        if unknown:
            raise AdminError(
                f"unknown {'tool' if len(unknown) == 1 else 'tools'} {', '.join(unknown)}; "
                f"the tools are {', '.join(TOOL_NAMES)}"
            )
        bot.enabled_tools = list(dict.fromkeys(changes.tools))
    if changes.handoff_phrases is not None:
        bot.handoff_phrases = [p.strip() for p in dict.fromkeys(changes.handoff_phrases) if p.strip()]
    if changes.escalation_intents is not None:
        bot.escalation_intents = [i.strip() for i in dict.fromkeys(changes.escalation_intents) if i.strip()]
    for field in BotChanges.__dataclass_fields__:
        value = getattr(changes, field)
        if field not in _LISTS and value is not None:
            setattr(bot, field, value)
    await session.flush()
    return bot
