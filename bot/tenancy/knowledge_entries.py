"""A tenant's knowledge entries one by one: search, read, add, change, disable and delete them.

Bulk import of CSV / JSON Lines files is bot/tenancy/knowledge_import.py; both keep the same limits.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import Conflict, NotFound
from bot.tenancy.knowledge_rows import MAX_ANSWER_CHARS, MAX_KEYWORD_CHARS, MAX_QUESTION_CHARS
from bot.tenancy.row_versions import check_version
from bot.tenancy.schema_base import RequestModel, ResponseModel, apply_changes, given_changes
from storage.keyset import Page, newest_first
from storage.models import KnowledgeEntry
from storage.sql import get_owned

Question = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_CHARS)
]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ANSWER_CHARS)]
Keyword = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=MAX_KEYWORD_CHARS)
]
Keywords = Annotated[list[Keyword], Field(max_length=50)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class KnowledgeFields(RequestModel):
    question: Question
    answer: Answer
    keywords: Keywords = Field(default_factory=list)
    category: Category | None = None
    active: bool = True


class KnowledgeChanges(RequestModel):
    question: Question | None = None
    answer: Answer | None = None
    keywords: Keywords | None = None
    category: Category | None = None
    active: bool | None = Field(None, description="false: the bot no longer uses the entry (it is kept)")


class KnowledgeFilter(RequestModel):
    q: SearchText | None = Field(None, description="words in the question, answer or category")
    category: Category | None = None
    active: bool | None = None


class KnowledgeView(ResponseModel):
    id: int
    question: str
    answer: str
    keywords: list[str]
    category: str | None
    active: bool
    usage_count: int


async def search_entries(
    session: AsyncSession, tenant_id: int, where: KnowledgeFilter, *, limit: int, before: int | None
) -> Page[KnowledgeEntry]:
    statement = select(KnowledgeEntry).where(KnowledgeEntry.tenant_id == tenant_id)
    if where.active is not None:
        statement = statement.where(KnowledgeEntry.active.is_(where.active))
    if where.category is not None:
        statement = statement.where(func.lower(KnowledgeEntry.category) == where.category.lower())
    if where.q is not None:
        for word in where.q.lower().split()[:8]:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            statement = statement.where(
                or_(
                    func.lower(KnowledgeEntry.question).like(pattern, escape="\\"),
                    func.lower(KnowledgeEntry.answer).like(pattern, escape="\\"),
                    func.lower(func.coalesce(KnowledgeEntry.category, "")).like(pattern, escape="\\"),
                )
            )
    return await newest_first(session, statement, KnowledgeEntry.id, limit=limit, before=before)


async def get_entry(
    session: AsyncSession, tenant_id: int, entry_id: int, *, for_update: bool = False
) -> KnowledgeEntry:
    entry = await get_owned(session, KnowledgeEntry, tenant_id, entry_id, for_update=for_update)
    if entry is None:
        raise NotFound(f"no knowledge entry {entry_id}")
    return entry


async def add_entry(session: AsyncSession, tenant_id: int, fields: KnowledgeFields) -> KnowledgeEntry:
    await _refuse_duplicate(session, tenant_id, fields.question, None)
    entry = KnowledgeEntry(tenant_id=tenant_id, **fields.model_dump())
    entry.keywords = list(dict.fromkeys(entry.keywords))
    session.add(entry)
    await session.flush()
    return entry


async def update_entry(
    session: AsyncSession, tenant_id: int, entry_id: int, changes: KnowledgeChanges, *, if_match: str | None
) -> KnowledgeEntry:
    entry = await get_entry(session, tenant_id, entry_id, for_update=True)
    check_version(entry, if_match)
    values = given_changes(changes, nullable={"category"})
    if "question" in values:
        await _refuse_duplicate(session, tenant_id, values["question"], entry.id)
    if "keywords" in values:
        values["keywords"] = list(dict.fromkeys(values["keywords"]))
    apply_changes(entry, values)
    await session.flush()
    return entry


async def delete_entry(session: AsyncSession, tenant_id: int, entry_id: int, *, if_match: str | None) -> None:
    entry = await get_entry(session, tenant_id, entry_id, for_update=True)
    check_version(entry, if_match)
    await session.delete(entry)
    await session.flush()


async def _refuse_duplicate(session: AsyncSession, tenant_id: int, question: str, own_id: int | None) -> None:
    """The same question twice would make the bot's pick between them arbitrary (import skips them too)."""
    statement = select(KnowledgeEntry.id).where(
        KnowledgeEntry.tenant_id == tenant_id, func.lower(KnowledgeEntry.question) == question.strip().lower()
    )
    if own_id is not None:
        statement = statement.where(KnowledgeEntry.id != own_id)
    found = await session.scalar(statement.limit(1))
    if found is not None:
        raise Conflict(f"entry {found} already has this question; change that one instead", field="question")
