"""Tenant administration used by the CLI: tenants, agents, channels and knowledge import.

Every function takes an open session and the tenant it acts for; secrets are returned once to the caller
(which prints them) and only their hashes or ciphertexts are stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import CredentialBox, hash_token, new_token, new_webhook_key
from bot.kb_import import KnowledgeRow, RowError
from storage import channels, knowledge, tenants
from storage.models import Bot, Channel, Tenant, utcnow

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

# What each platform needs to identify a channel and which secrets it carries.
PLATFORM_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "messenger": ("page_id", ("access_token", "app_secret", "verify_token")),
    "whatsapp": ("phone_number_id", ("access_token", "app_secret", "verify_token")),
    "groupme": ("bot_id", ("access_token",)),
    "console": ("name", ()),
}


class AdminError(Exception):
    """A request the operator must correct (unknown tenant, duplicate slug, missing field)."""


@dataclass(frozen=True)
class Created:
    """A created object plus the secret to show once."""

    id: int
    secret: str


async def require_tenant(session: AsyncSession, slug: str) -> Tenant:
    tenant = await tenants.get_tenant_by_slug(session, slug)
    if tenant is None:
        raise AdminError(f"no tenant with slug {slug!r} (list them with: chatbot tenant list)")
    return tenant


async def create_tenant(session: AsyncSession, *, name: str, slug: str, plan_code: str = "free") -> Created:
    if not SLUG_PATTERN.match(slug):
        raise AdminError(f"slug {slug!r} must be 2-63 lowercase letters, digits or dashes")
    if not name.strip():
        raise AdminError("the tenant name must not be empty")
    if await tenants.get_tenant_by_slug(session, slug) is not None:
        raise AdminError(f"a tenant with slug {slug!r} already exists")
    plan = await tenants.get_plan(session, plan_code)
    if plan is None:
        raise AdminError(f"unknown plan {plan_code!r} (free, basic, pro or enterprise)")
    api_key = new_token("cbk")
    tenant = await tenants.create_tenant(
        session, name=name.strip(), slug=slug, api_key_hash=hash_token(api_key), plan=plan, now=utcnow()
    )
    return Created(tenant.id, api_key)


async def create_agent(
    session: AsyncSession, *, tenant: Tenant, name: str, role: str, email: str | None
) -> Created:
    if role not in ("agent", "admin"):
        raise AdminError(f"role must be agent or admin, not {role!r}")
    if await tenants.get_agent_by_name(session, tenant.id, name) is not None:
        raise AdminError(f"tenant {tenant.slug!r} already has an agent named {name!r}")
    token = new_token("cba")
    agent = await tenants.create_agent(
        session, tenant_id=tenant.id, name=name, role=role, token_hash=hash_token(token), email=email
    )
    return Created(agent.id, token)


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
class ChannelRequest:
    platform: str
    name: str | None = None
    bot_name: str | None = None
    external_id: str | None = None
    group_id: str | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


async def add_channel(
    session: AsyncSession, box: CredentialBox, *, tenant: Tenant, request: ChannelRequest
) -> Channel:
    if request.platform not in PLATFORM_FIELDS:
        raise AdminError(f"unknown platform {request.platform!r} ({', '.join(PLATFORM_FIELDS)})")
    id_field, secret_fields = PLATFORM_FIELDS[request.platform]
    external_id = request.external_id or (request.name if request.platform == "console" else None)
    if not external_id:
        raise AdminError(f"a {request.platform} channel needs --{id_field.replace('_', '-')}")
    if request.platform == "groupme" and not request.group_id:
        raise AdminError("a groupme channel needs --group-id")
    missing = [f for f in secret_fields if not request.secrets.get(f)]
    if missing and request.platform != "groupme":
        raise AdminError("missing " + ", ".join("--" + f.replace("_", "-") for f in missing))
    if await channels.find_channel(session, request.platform, external_id) is not None:
        raise AdminError(f"a {request.platform} channel for {external_id!r} already exists")
    bot = await ensure_bot(session, tenant, request.bot_name)
    secrets = {k: v for k, v in request.secrets.items() if v}
    settings = {k: v for k, v in request.settings.items() if v not in (None, "")}
    if request.platform == "groupme":
        # In a group the bot answers only when addressed; by default when named or sent a command.
        settings.setdefault("answer_mode", "mention")
        settings.setdefault("command_prefix", "!")
        settings.setdefault("bot_name", bot.name)
    if settings.get("answer_mode") not in (None, "mention", "prefix", "all"):
        raise AdminError("answer mode must be mention, prefix or all")
    return await channels.create_channel(
        session,
        tenant_id=tenant.id,
        bot_id=bot.id,
        platform=request.platform,
        name=request.name or f"{request.platform} {external_id}",
        external_id=external_id,
        group_id=request.group_id,
        webhook_key=new_webhook_key(),
        credentials_encrypted=box.seal(secrets) if secrets else None,
        settings=settings,
    )


def webhook_url(public_url: str, channel: Channel) -> str:
    return f"{public_url}/webhooks/{channel.platform}/{channel.webhook_key}"


@dataclass
class ImportReport:
    added: int = 0
    skipped_existing: int = 0
    errors: list[RowError] = field(default_factory=list)


async def import_knowledge(
    session: AsyncSession,
    *,
    tenant: Tenant,
    rows: Iterable[KnowledgeRow | RowError],
    on_row: Callable[[], None] = lambda: None,
) -> ImportReport:
    """Add good rows (skipping questions the tenant already has), collect bad ones with their lines."""
    report = ImportReport()
    seen = await knowledge.existing_questions(session, tenant.id)
    for row in rows:
        on_row()
        if isinstance(row, RowError):
            report.errors.append(row)
            continue
        key = row.question.strip().lower()
        if key in seen:
            report.skipped_existing += 1
            continue
        seen.add(key)
        knowledge.add_entry(
            session,
            tenant_id=tenant.id,
            question=row.question,
            answer=row.answer,
            keywords=row.keywords,
            category=row.category,
            active=row.active,
        )
        report.added += 1
    await session.flush()
    return report
