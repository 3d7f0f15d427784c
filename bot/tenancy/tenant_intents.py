"""A tenant's own intents (a name and example phrases), scored alongside the built-in ones at each turn.

They live in ``tenants.settings["intents"]`` as ``[{"name", "examples"}]`` (read by the turn in
bot/pipeline/context.py). The CLI (`chatbot intent add|list|remove`) and the admin API (``/intents``)
both use these functions. A name is stored as the scorer and the bot's escalation intents name it: lower
case, spaces as underscores; saving a name that exists replaces its examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import Invalid, NotFound
from bot.tenancy.schema_base import RequestModel, ResponseModel
from bot.tenancy.tenant_settings import store_setting, tenant_to_edit
from storage import tenants
from storage.models import Tenant

SETTING = "intents"
MAX_INTENTS = 200
_NAME = re.compile(r"[^\W][\w-]{0,63}")


def normalised_intent_name(value: str) -> str:
    """``value`` as intents are named: "Wholesale Order" -> "wholesale_order"."""
    name = "_".join(value.strip().lower().split())
    if not _NAME.fullmatch(name):
        raise ValueError("an intent name is up to 64 letters, digits, '_' or '-' (spaces become '_')")
    return name


def _cleaned_examples(values: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(v for v in values if v))
    if not cleaned:
        raise ValueError("an intent needs at least one example phrase")
    return cleaned


IntentName = Annotated[str, StringConstraints(max_length=100), AfterValidator(normalised_intent_name)]
Example = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Examples = Annotated[list[Example], Field(max_length=100), AfterValidator(_cleaned_examples)]


class IntentFields(RequestModel):
    name: IntentName = Field(
        description='stored lower case with "_" for spaces; an existing name is replaced'
    )
    examples: Examples = Field(description="phrases customers use for it (blank and repeated ones dropped)")


class IntentView(ResponseModel):
    name: str
    examples: list[str]


class IntentList(ResponseModel):
    items: list[IntentView]


@dataclass(frozen=True)
class SavedIntent:
    intent: IntentView
    created: bool
    count: int


def stored_intents(tenant: Tenant) -> list[IntentView]:
    """The tenant's intents as stored (entries that are not a name with examples are skipped)."""
    found: list[IntentView] = []
    for item in (tenant.settings or {}).get(SETTING, []) or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            examples = [e for e in item.get("examples", []) or [] if isinstance(e, str)]
            found.append(IntentView(name=item["name"], examples=examples))
    return found


async def list_intents(session: AsyncSession, tenant_id: int) -> list[IntentView]:
    tenant = await tenants.get_tenant(session, tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id}")
    return stored_intents(tenant)


async def save_intent(session: AsyncSession, tenant_id: int, fields: IntentFields) -> SavedIntent:
    """Add the intent, or replace the examples of the one with its name."""
    tenant = await tenant_to_edit(session, tenant_id)
    intents = stored_intents(tenant)
    kept = [i for i in intents if i.name != fields.name]
    created = len(kept) == len(intents)
    if created and len(intents) >= MAX_INTENTS:
        raise Invalid(f"a tenant may have at most {MAX_INTENTS} intents; remove one first", field="name")
    saved = IntentView(name=fields.name, examples=list(fields.examples))
    await store_setting(session, tenant, SETTING, _stored([*kept, saved]))
    return SavedIntent(saved, created, len(kept) + 1)


async def remove_intent(session: AsyncSession, tenant_id: int, name: str) -> None:
    tenant = await tenant_to_edit(session, tenant_id)
    wanted = "_".join(name.strip().lower().split())
    intents = stored_intents(tenant)
    kept = [i for i in intents if i.name != wanted]
    if len(kept) == len(intents):
        raise NotFound(f"the tenant has no intent named {wanted!r}", field="name")
    await store_setting(session, tenant, SETTING, _stored(kept))


def _stored(intents: list[IntentView]) -> list[dict[str, Any]]:
    return [i.model_dump() for i in intents]
