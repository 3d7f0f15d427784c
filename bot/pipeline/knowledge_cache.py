"""The knowledge-base port for the engine: a tenant's active entries, indexed and cached until they change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.knowledge_search import KnowledgeDoc, KnowledgeIndex
from bot.engine.types import KnowledgeHit
from storage import knowledge as kb


@dataclass(frozen=True)
class _Cached:
    fingerprint: tuple[int, datetime | None]
    index: KnowledgeIndex


class TenantKnowledge:
    """Implements the engine's KnowledgeBase port for one tenant."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self._index = index

    async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]:
        return self._index.search(query, limit)


class KnowledgeCache:
    """Search indexes per tenant, rebuilt only when the tenant's entries change (a cheap fingerprint)."""

    def __init__(self) -> None:
        self._cache: dict[int, _Cached] = {}

    async def for_tenant(self, session: AsyncSession, tenant_id: int) -> TenantKnowledge:
        """The tenant's knowledge, checked against the database in the caller's (read-only) session."""
        fingerprint = await kb.knowledge_version(session, tenant_id)
        cached = self._cache.get(tenant_id)
        if cached is None or cached.fingerprint != fingerprint:
            entries = await kb.active_entries(session, tenant_id)
            docs = [
                KnowledgeDoc(e.id, e.question, e.answer, tuple(str(k) for k in e.keywords)) for e in entries
            ]
            cached = _Cached(fingerprint, KnowledgeIndex(docs))
            self._cache[tenant_id] = cached
        return TenantKnowledge(cached.index)
