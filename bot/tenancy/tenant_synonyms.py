"""A tenant's own synonym groups, which the knowledge search counts as meaning the same as an entry's words.

They live in ``tenants.settings["synonyms"]`` as ``{"name": ["word", "phrase", ...]}`` (read by the turn
through bot/pipeline/config_cache.py into bot/engine/thesaurus.py, where a match shows as ``tenant:NAME``).
The CLI (`chatbot kb synonyms add|list|remove`) and the admin API (``/synonyms``) both use these
functions. The name is itself one of the group's words, so it is stored as the search reads words: lower
case, accents and punctuation dropped ("Loyalty-Card" -> "loyalty card"); saving a name that exists
replaces its members. The limits are the thesaurus's own, so nothing saved here is silently cut off there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.thesaurus import MAX_PHRASE_WORDS, MAX_TENANT_GROUP_SIZE, MAX_TENANT_GROUPS
from bot.engine.word_forms import words
from bot.tenancy.config_errors import Invalid, NotFound
from bot.tenancy.schema_base import RequestModel, ResponseModel
from bot.tenancy.tenant_settings import store_setting, tenant_to_edit
from storage import tenants
from storage.models import Tenant

SETTING = "synonyms"


def normalised_group_name(value: str) -> str:
    """``value`` as the search reads it: "Loyalty-Card" -> "loyalty card"."""
    found = words(value)
    if not 1 <= len(found) <= MAX_PHRASE_WORDS:
        raise ValueError(f"a synonym group's name is a word or a phrase of up to {MAX_PHRASE_WORDS} words")
    return " ".join(found)


def _searchable_member(value: str) -> str:
    # A blank member is dropped with the repeats; a longer phrase would never match, so it is refused.
    if value and not 1 <= len(words(value)) <= MAX_PHRASE_WORDS:
        raise ValueError(f"a synonym is a word or a phrase of up to {MAX_PHRASE_WORDS} words")
    return value


def _cleaned_members(values: list[str]) -> list[str]:
    # Repeats as the search sees them: "Stamp card" and "stamp  card" are one synonym; the first is kept.
    seen: set[tuple[str, ...]] = set()
    cleaned: list[str] = []
    for value in values:
        read = tuple(words(value))
        if value and read not in seen:
            seen.add(read)
            cleaned.append(value)
    if not cleaned:
        raise ValueError("a synonym group needs at least one word or phrase")
    return cleaned


GroupName = Annotated[str, StringConstraints(max_length=100), AfterValidator(normalised_group_name)]
Member = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(_searchable_member)
]
Members = Annotated[list[Member], Field(max_length=MAX_TENANT_GROUP_SIZE), AfterValidator(_cleaned_members)]


class SynonymGroupFields(RequestModel):
    name: GroupName = Field(
        description='a word or short phrase, itself one of the group; stored lower case ("Loyalty" is '
        '"loyalty"); an existing name is replaced'
    )
    members: Members = Field(
        description=f"words or phrases of up to {MAX_PHRASE_WORDS} words that mean the same as the name "
        "(blank and repeated ones dropped)"
    )


class SynonymGroupView(ResponseModel):
    name: str
    members: list[str]


class SynonymGroupList(ResponseModel):
    items: list[SynonymGroupView]


@dataclass(frozen=True)
class SavedGroup:
    group: SynonymGroupView
    created: bool
    count: int


def stored_groups(tenant: Tenant) -> list[SynonymGroupView]:
    """The tenant's groups by name (items that are not a name with a list of words are skipped, as the
    search skips them); a name stored by hand is shown as the search reads it."""
    value = (tenant.settings or {}).get(SETTING)
    found: dict[str, SynonymGroupView] = {}
    for name, members in value.items() if isinstance(value, dict) else ():
        if isinstance(name, str) and words(name) and isinstance(members, list):
            readable = " ".join(words(name))
            found[readable] = SynonymGroupView(
                name=readable, members=[m for m in members if isinstance(m, str)]
            )
    return sorted(found.values(), key=lambda group: group.name)


async def list_groups(session: AsyncSession, tenant_id: int) -> list[SynonymGroupView]:
    tenant = await tenants.get_tenant(session, tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id}")
    return stored_groups(tenant)


async def save_group(session: AsyncSession, tenant_id: int, fields: SynonymGroupFields) -> SavedGroup:
    """Add the group, or replace the members of the one with its name."""
    tenant = await tenant_to_edit(session, tenant_id)
    groups = stored_groups(tenant)
    kept = [g for g in groups if g.name != fields.name]
    created = len(kept) == len(groups)
    if created and len(groups) >= MAX_TENANT_GROUPS:
        raise Invalid(
            f"a tenant may have at most {MAX_TENANT_GROUPS} synonym groups; remove one first", field="name"
        )
    saved = SynonymGroupView(name=fields.name, members=list(fields.members))
    await store_setting(session, tenant, SETTING, _stored([*kept, saved]))
    return SavedGroup(saved, created, len(kept) + 1)


async def remove_group(session: AsyncSession, tenant_id: int, name: str) -> str:
    """Remove the group named ``name`` (as the search reads it); the name removed."""
    tenant = await tenant_to_edit(session, tenant_id)
    wanted = " ".join(words(name))
    groups = stored_groups(tenant)
    kept = [g for g in groups if g.name != wanted]
    if len(kept) == len(groups):
        raise NotFound(f"the tenant has no synonym group named {wanted!r}", field="name")
    await store_setting(session, tenant, SETTING, _stored(kept))
    return wanted


def _stored(groups: list[SynonymGroupView]) -> dict[str, list[str]]:
    return {g.name: g.members for g in groups}
