"""A question tried on a tenant's bot without a conversation: what `chatbot kb test` shows.

The tenant's configuration is loaded as a real turn loads it (bot/pipeline/config_cache.py), the
question goes through the same Router as a first message from a new customer, and nothing is stored.
The LLM is left out on purpose: the result is the offline decision, the one the bot makes without a
Gemini key, out of credits or when the model fails; with Gemini the same knowledge hits reach the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.router import Router
from bot.engine.types import (
    BotSettings,
    ConversationState,
    CustomerInfo,
    Decision,
    InboundText,
    KnowledgeBase,
    KnowledgeHit,
    Ports,
    Turn,
)
from bot.errors import AdminError
from bot.pipeline.config_cache import ConfigCache
from bot.pipeline.context import tenant_intents
from bot.tenancy.tenant_accounts import allowed_link_domains

__all__ = ["SearchedHit", "TrialResult", "try_question"]


@dataclass(frozen=True)
class SearchedHit:
    hit: KnowledgeHit
    # The customer's words that met the entry, with how when not word for word ("parcle->parcel (typo)").
    matched: tuple[str, ...]


@dataclass(frozen=True)
class TrialResult:
    bot: BotSettings
    decision: Decision
    # Every knowledge search the decision made, in order: the query and its hits, best first.
    searches: tuple[tuple[str, tuple[SearchedHit, ...]], ...]


class _RecordingKnowledge:
    """The tenant's knowledge port, remembering what the router asked and what it got."""

    def __init__(self, inner: KnowledgeBase) -> None:
        self._inner = inner
        self.searches: list[tuple[str, tuple[SearchedHit, ...]]] = []

    async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]:
        hits = await self._inner.search(query, limit)
        self.searches.append((query, tuple(SearchedHit(hit, _matched(hit)) for hit in hits)))
        return hits


def _matched(hit: KnowledgeHit) -> tuple[str, ...]:
    """What matched, as the search reports it: "shiping~ship (typo, question)", "mail=email (synonym)"."""
    found = tuple(
        dict.fromkeys(
            match.said if match.said == match.matched else f"{match.said}->{match.matched} ({match.kind})"
            for match in hit.matches
        )
    )
    if hit.foreign_subject is not None:
        # Why the score is low: the question is about something the tenant never names.
        return (*found, f"about {hit.foreign_subject!r}, which the tenant never names")
    return found


async def try_question(
    session: AsyncSession, *, tenant_id: int, question: str, bot_name: str | None = None
) -> TrialResult:
    """The decision the tenant's bot makes for ``question`` from a new customer, offline."""
    config = await ConfigCache().for_tenant(session, tenant_id)
    bots = sorted(config.bots.values(), key=lambda bot: bot.bot_id)
    if bot_name is not None:
        bots = [bot for bot in bots if bot.name == bot_name]
    if not bots:
        raise AdminError(f"no bot named {bot_name!r}" if bot_name else "the tenant has no bot")
    bot = bots[0]
    knowledge = _RecordingKnowledge(config.knowledge)
    turn = Turn(
        tenant_id=config.tenant.id,
        tenant_name=config.tenant.name,
        bot=bot,
        conversation=ConversationState(conversation_id=None, status="new"),
        customer=CustomerInfo(customer_id=None),
        inbound=InboundText(text=question),
        templates=config.templates,
        commands=config.commands_for(None),
        intents=tenant_intents(config.tenant.settings),
        allowed_link_domains=allowed_link_domains(config.tenant.settings),
    )
    decision = await Router().decide(turn, Ports(knowledge=knowledge))
    return TrialResult(bot=bot, decision=decision, searches=tuple(knowledge.searches))
