"""`chatbot demo`: the demo tenant with its bot, knowledge base, templates, commands and a console channel,
and (``sales=True``, as `chatbot demo` asks) a week of past sales: link clicks and conversions (sales.py);
then the second demo tenant, an internet provider's support desk (isp_content.py), the same way.

Idempotent: each piece is created only if missing, so a second run changes nothing and loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.render import counted
from bot.security import CredentialBox
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from bot.tenancy.demo.content import (
    DEMO_BOT,
    DEMO_COMMANDS,
    DEMO_KNOWLEDGE,
    DEMO_TEMPLATES,
    DEMO_TENANT,
    DemoBot,
    DemoCommand,
    DemoKnowledgeEntry,
    DemoTemplate,
    DemoTenant,
)
from bot.tenancy.demo.isp_content import (
    ISP_BOT,
    ISP_COMMANDS,
    ISP_INTENTS,
    ISP_KNOWLEDGE,
    ISP_TEMPLATES,
    ISP_TENANT,
)
from bot.tenancy.demo.sales import seed_sales
from bot.tenancy.tenant_accounts import LINK_DOMAINS_SETTING, create_tenant, set_link_domains
from bot.tenancy.tenant_intents import SETTING as INTENTS_SETTING
from storage import channels, knowledge, tenants
from storage.models import Bot, CustomCommand, Template, Tenant, utcnow

DEMO_CONSOLE = "demo-terminal"
ISP_CONSOLE = "isp-terminal"
DEMO_TOOLS = (
    "search_knowledge_base",
    "handoff_to_human",
    "create_checkout_link",
    "get_customer_profile",
    "update_lead_stage",
)


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    api_key: str | None = None
    tenant_id: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created)


@dataclass(frozen=True)
class DemoContent:
    """Everything one demo tenant is seeded with."""

    tenant: DemoTenant
    bot: DemoBot
    knowledge: Sequence[DemoKnowledgeEntry]
    templates: Sequence[DemoTemplate]
    commands: Sequence[DemoCommand]
    console: str
    intents: Sequence[tuple[str, Sequence[str]]] = ()


COFFEE = DemoContent(DEMO_TENANT, DEMO_BOT, DEMO_KNOWLEDGE, DEMO_TEMPLATES, DEMO_COMMANDS, DEMO_CONSOLE)
ISP = DemoContent(
    ISP_TENANT, ISP_BOT, ISP_KNOWLEDGE, ISP_TEMPLATES, ISP_COMMANDS, ISP_CONSOLE, intents=ISP_INTENTS
)
DEMO_TENANTS = (COFFEE, ISP)


async def seed_demo(session: AsyncSession, box: CredentialBox, *, sales: bool = False) -> DemoReport:
    """Seed what is missing of the coffee shop; ``sales``: the demo sales too (tests start from a tenant
    without them)."""
    report = DemoReport()
    tenant = await _seed_content(session, box, COFFEE, report)
    if sales:
        added = await seed_sales(session, box, tenant=tenant, bot_name=DEMO_BOT.name, now=utcnow())
        if added:
            report.created.append(counted(added, "past sales conversation", "past sales conversations"))
    await session.flush()
    return report


async def seed_isp(session: AsyncSession, box: CredentialBox) -> DemoReport:
    """Seed what is missing of the second demo tenant, the internet provider's support desk."""
    report = DemoReport()
    await _seed_content(session, box, ISP, report)
    await session.flush()
    return report


async def _seed_content(
    session: AsyncSession, box: CredentialBox, content: DemoContent, report: DemoReport
) -> Tenant:
    slug = content.tenant.slug
    tenant = await tenants.get_tenant_by_slug(session, slug)
    if tenant is None:
        created = await create_tenant(session, name=content.tenant.name, slug=slug, plan_code="pro")
        report.api_key = created.secret
        report.created.append(f"tenant {slug!r} on the pro plan")
        tenant = await tenants.get_tenant(session, created.id)
        assert tenant is not None
    report.tenant_id = tenant.id
    # Only when the setting is missing: an operator who cleared or changed the list keeps their choice.
    if LINK_DOMAINS_SETTING not in (tenant.settings or {}):
        await set_link_domains(session, tenant, [content.tenant.link_domain])
        report.created.append(f"allowed link domain {content.tenant.link_domain}")
    if content.intents and INTENTS_SETTING not in (tenant.settings or {}):
        intents = [{"name": name, "examples": list(examples)} for name, examples in content.intents]
        # Reassigned, so that the JSON column is seen as changed.
        tenant.settings = {**(tenant.settings or {}), INTENTS_SETTING: intents}
        report.created.append(counted(len(intents), "intent", "intents"))

    bot = await channels.get_bot_by_name(session, tenant.id, content.bot.name)
    if bot is None:
        bot = Bot(
            tenant_id=tenant.id,
            name=content.bot.name,
            persona=content.bot.persona,
            # Used only when Gemini is configured; the offline engine calls no tools.
            enabled_tools=list(DEMO_TOOLS),
        )
        session.add(bot)
        await session.flush()
        report.created.append(f"bot {content.bot.name!r}")

    existing = await knowledge.existing_questions(session, tenant.id)
    added = 0
    for entry in content.knowledge:
        if entry.question.strip().lower() not in existing:
            knowledge.add_entry(
                session,
                tenant_id=tenant.id,
                question=entry.question,
                answer=entry.answer,
                keywords=entry.keywords,
                category=entry.category,
            )
            added += 1
    if added:
        report.created.append(counted(added, "knowledge entry", "knowledge entries"))

    for template in content.templates:
        if await knowledge.get_template(session, tenant.id, template.name) is None:
            session.add(
                Template(
                    tenant_id=tenant.id,
                    name=template.name,
                    trigger_keywords=list(template.trigger_keywords),
                    body=template.body,
                )
            )
            report.created.append(f"template {template.name!r}")

    for command in content.commands:
        if await knowledge.get_command(session, tenant.id, command.command) is None:
            session.add(
                CustomCommand(tenant_id=tenant.id, command=command.command, response=command.response)
            )
            report.created.append(f"command {command.command}")

    if (
        await channels.find_channel(
            session, tenant_id=tenant.id, platform="console", external_id=content.console
        )
        is None
    ):
        await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(platform="console", name=content.console, bot_name=content.bot.name),
        )
        report.created.append("console channel for `chatbot chat`")
    return tenant
