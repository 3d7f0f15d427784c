"""`chatbot demo`: the demo tenant with its bot, knowledge base, templates, commands and a console channel,
and (``sales=True``, as `chatbot demo` asks) a week of past sales: link clicks and conversions (sales.py).

Idempotent: each piece is created only if missing, so a second run changes nothing and loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.render import counted
from bot.security import CredentialBox
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from bot.tenancy.demo.content import DEMO_BOT, DEMO_COMMANDS, DEMO_KNOWLEDGE, DEMO_TEMPLATES, DEMO_TENANT
from bot.tenancy.demo.sales import seed_sales
from bot.tenancy.tenant_accounts import LINK_DOMAINS_SETTING, create_tenant, set_link_domains
from storage import channels, knowledge, tenants
from storage.models import Bot, CustomCommand, Template, utcnow

DEMO_CONSOLE = "demo-terminal"
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


async def seed_demo(session: AsyncSession, box: CredentialBox, *, sales: bool = False) -> DemoReport:
    """Seed what is missing; ``sales``: the demo sales too (tests start from a tenant without them)."""
    report = DemoReport()
    tenant = await tenants.get_tenant_by_slug(session, DEMO_TENANT.slug)
    if tenant is None:
        created = await create_tenant(session, name=DEMO_TENANT.name, slug=DEMO_TENANT.slug, plan_code="pro")
        report.api_key = created.secret
        report.created.append(f"tenant {DEMO_TENANT.slug!r} on the pro plan")
        tenant = await tenants.get_tenant(session, created.id)
        assert tenant is not None
    report.tenant_id = tenant.id
    # Only when the setting is missing: an operator who cleared or changed the list keeps their choice.
    if LINK_DOMAINS_SETTING not in (tenant.settings or {}):
        await set_link_domains(session, tenant, [DEMO_TENANT.link_domain])
        report.created.append(f"allowed link domain {DEMO_TENANT.link_domain}")

    bot = await channels.get_bot_by_name(session, tenant.id, DEMO_BOT.name)
    if bot is None:
        bot = Bot(
            tenant_id=tenant.id,
            name=DEMO_BOT.name,
            persona=DEMO_BOT.persona,
            # Used only when Gemini is configured; the offline engine calls no tools.
            enabled_tools=list(DEMO_TOOLS),
        )
        session.add(bot)
        await session.flush()
        report.created.append(f"bot {DEMO_BOT.name!r}")

    existing = await knowledge.existing_questions(session, tenant.id)
    added = 0
    for entry in DEMO_KNOWLEDGE:
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

    for template in DEMO_TEMPLATES:
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

    for command in DEMO_COMMANDS:
        if await knowledge.get_command(session, tenant.id, command.command) is None:
            session.add(
                CustomCommand(tenant_id=tenant.id, command=command.command, response=command.response)
            )
            report.created.append(f"command {command.command}")

    if (
        await channels.find_channel(
            session, tenant_id=tenant.id, platform="console", external_id=DEMO_CONSOLE
        )
        is None
    ):
        await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(platform="console", name=DEMO_CONSOLE, bot_name=DEMO_BOT.name),
        )
        report.created.append("console channel for `chatbot chat`")
    if sales:
        added = await seed_sales(session, box, tenant=tenant, bot_name=DEMO_BOT.name, now=utcnow())
        if added:
            report.created.append(counted(added, "past sales conversation", "past sales conversations"))
    await session.flush()
    return report
