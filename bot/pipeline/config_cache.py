"""A tenant's configuration for turns, cached per process and checked with one cheap read per turn.

What a turn needs of its tenant (the tenant's settings, the channel, the bot, templates, commands and
the knowledge search index) changes rarely and used to cost six queries a turn. It is loaded once per
tenant and kept with the tenant's ``config_version``; every change to any of it bumps that counter in
the changing transaction (storage/config_versions.py), so the next turn in any process reloads it.
Everything here is a frozen snapshot: nothing stays attached to a session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.knowledge_search import KnowledgeDoc, KnowledgeIndex
from bot.engine.types import BotSettings, CommandInfo, KnowledgeHit, TemplateInfo
from storage import channels, knowledge, tenants
from storage.models import Bot


class ConfigMissing(LookupError):
    """The tenant, channel or bot of an event no longer exists."""


@dataclass(frozen=True)
class TenantSnapshot:
    id: int
    name: str
    timezone: str
    inactivity_timeout_minutes: int
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class ChannelSnapshot:
    id: int
    bot_id: int
    platform: str
    settings: Mapping[str, Any]
    # The page / phone number id, and the channel's sealed credentials (opened only where they are used).
    external_id: str | None = field(default=None, repr=False)
    credentials_encrypted: str | None = field(default=None, repr=False)


class TenantKnowledge:
    """Implements the engine's KnowledgeBase port for one tenant."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self._index = index

    async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]:
        return self._index.search(query, limit)


@dataclass(frozen=True)
class TenantConfig:
    version: int
    tenant: TenantSnapshot
    channels: Mapping[int, ChannelSnapshot]
    bots: Mapping[int, BotSettings]
    templates: tuple[TemplateInfo, ...]
    # Active commands with the group they belong to (None: tenant-wide), oldest first.
    commands: tuple[tuple[int | None, CommandInfo], ...]
    knowledge: TenantKnowledge = field(repr=False)

    def commands_for(self, group_id: int | None) -> tuple[CommandInfo, ...]:
        """Tenant-wide commands plus, in a group, that group's own (which come first and win a clash)."""
        own = tuple(c for g, c in self.commands if g is not None and g == group_id)
        return own + tuple(c for g, c in self.commands if g is None)


class ConfigCache:
    """Per-process cache of each tenant's configuration, keyed by its ``config_version``."""

    def __init__(self) -> None:
        self._cache: dict[int, TenantConfig] = {}
        self.loads = 0

    async def for_tenant(self, session: AsyncSession, tenant_id: int) -> TenantConfig:
        """The tenant's configuration, checked against the database in the caller's (read-only) session."""
        return await self.at_version(session, tenant_id, await tenants.config_version(session, tenant_id))

    async def at_version(self, session: AsyncSession, tenant_id: int, version: int | None) -> TenantConfig:
        """The tenant's configuration, given its ``config_version`` just read in the caller's session."""
        if version is None:
            self._cache.pop(tenant_id, None)
            raise ConfigMissing(f"tenant {tenant_id} no longer exists")
        cached = self._cache.get(tenant_id)
        if cached is None or cached.version != version:
            cached = await _load(session, tenant_id, version)
            self._cache[tenant_id] = cached
            self.loads += 1
        return cached


async def _load(session: AsyncSession, tenant_id: int, version: int) -> TenantConfig:
    tenant = await tenants.get_tenant(session, tenant_id)
    if tenant is None:
        raise ConfigMissing(f"tenant {tenant_id} no longer exists")
    entries = await knowledge.active_entries(session, tenant_id)
    docs = [
        KnowledgeDoc(e.id, e.question, e.answer, tuple(str(k) for k in e.keywords), category=e.category)
        for e in entries
    ]
    settings = dict(tenant.settings or {})
    commands = tuple(
        (c.group_id, CommandInfo(c.id, c.command, c.response))
        for c in await knowledge.all_active_commands(session, tenant_id)
    )
    return TenantConfig(
        version=version,
        tenant=TenantSnapshot(
            id=tenant.id,
            name=tenant.name,
            timezone=tenant.timezone,
            inactivity_timeout_minutes=tenant.inactivity_timeout_minutes,
            settings=settings,
        ),
        channels={
            c.id: ChannelSnapshot(
                c.id,
                c.bot_id,
                c.platform,
                dict(c.settings or {}),
                external_id=c.external_id,
                credentials_encrypted=c.credentials_encrypted,
            )
            for c in await channels.list_channels(session, tenant_id)
        },
        bots={b.id: bot_settings(b) for b in await channels.list_bots(session, tenant_id)},
        templates=tuple(
            TemplateInfo(t.id, t.name, tuple(str(k) for k in t.trigger_keywords), t.body)
            for t in await knowledge.active_templates(session, tenant_id)
        ),
        commands=commands,
        knowledge=TenantKnowledge(
            KnowledgeIndex(
                docs, tenant_synonyms(settings), tenant_texts=[info.response for _, info in commands]
            )
        ),
    )


def tenant_synonyms(settings: Mapping[str, Any]) -> dict[str, object]:
    """The tenant's own synonyms, ``settings["synonyms"] = {"word": ["synonym", ...]}``; {} when unset.

    A malformed value is ignored rather than failing every turn: the search skips items it cannot read.
    """
    value = settings.get("synonyms")
    return dict(value) if isinstance(value, dict) else {}


def bot_settings(bot: Bot) -> BotSettings:
    return BotSettings(
        bot_id=bot.id,
        name=bot.name,
        persona=bot.persona,
        knowledge_threshold=bot.knowledge_threshold,
        handoff_after_fallbacks=bot.handoff_after_fallbacks,
        fallback_text=bot.fallback_text,
        model=bot.model,
        temperature=bot.temperature,
        max_output_tokens=bot.max_output_tokens,
        enabled_tools=tuple(str(t) for t in bot.enabled_tools),
        escalation_threshold=bot.escalation_threshold,
        max_tool_rounds=bot.max_tool_rounds,
        handoff_on_llm_failure=bot.handoff_on_llm_failure,
        out_of_credits_action="handoff" if bot.out_of_credits_action == "handoff" else "answer",
        handoff_phrases=tuple(str(p) for p in bot.handoff_phrases),
        escalation_intents=tuple(str(i) for i in bot.escalation_intents),
        handoff_after_negative=bot.handoff_after_negative,
        handoff_text=bot.handoff_text,
    )
