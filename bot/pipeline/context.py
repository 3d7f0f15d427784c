"""Load what one inbound message's turn needs: tenant, channel, bot, customer, group, conversation, history.

The customer, the group and its member, and the conversation are found or created here (idempotently:
a retried event finds the same rows); everything else the turn writes waits for the turn's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.base import Inbound
from bot.engine.types import (
    BotSettings,
    CommandInfo,
    ConversationState,
    CustomerInfo,
    HistoryItem,
    InboundText,
    IntentDefinition,
    TemplateInfo,
    Turn,
)
from bot.tenancy.tenant_accounts import allowed_link_domains
from storage import channels, conversations, groups, knowledge, tenants
from storage.models import Channel, Conversation, Customer, Group, GroupMember, Tenant

HISTORY_LIMIT = 20


@dataclass(frozen=True)
class TurnContext:
    tenant: Tenant
    channel: Channel
    customer: Customer
    conversation: Conversation
    group: Group | None
    member: GroupMember | None
    turn: Turn
    # Recorded, not answered: another app owns the thread (standby), or a group message not for us.
    silent: bool


def tenant_intents(settings: Mapping[str, Any] | None) -> tuple[IntentDefinition, ...]:
    """Tenant-defined intents from the tenant's settings: ``{"intents": [{"name", "examples": [...]}]}``."""
    found = []
    for item in (settings or {}).get("intents", []) or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            examples = tuple(str(e) for e in item.get("examples", []) if isinstance(e, str) and e.strip())
            if examples:
                found.append(IntentDefinition(item["name"], examples))
    return tuple(found)


async def load_channel(session: AsyncSession, tenant_id: int, channel_id: int) -> tuple[Tenant, Channel]:
    tenant = await tenants.get_tenant(session, tenant_id)
    channel = await channels.get_channel(session, tenant_id, channel_id)
    if tenant is None or channel is None:
        raise LookupError(f"channel {channel_id} of tenant {tenant_id} no longer exists")
    return tenant, channel


async def load_turn_context(
    session: AsyncSession,
    *,
    tenant_id: int,
    channel_id: int,
    conversation_key: str,
    inbound: Inbound,
    now: datetime,
) -> TurnContext:
    tenant, channel = await load_channel(session, tenant_id, channel_id)
    bot = await channels.get_bot(session, tenant.id, channel.bot_id)
    if bot is None:
        raise LookupError(f"bot {channel.bot_id} of channel {channel.id} no longer exists")
    customer = await conversations.get_or_create_customer(
        session,
        tenant_id=tenant.id,
        channel_id=channel.id,
        platform_user_id=inbound.sender_id,
        name=inbound.sender_name,
        phone_e164=inbound.phone,
        now=now,
    )
    group = member = None
    if inbound.group_id:
        group = await groups.get_or_create_group(
            session, tenant_id=tenant.id, channel_id=channel.id, platform_group_id=inbound.group_id, now=now
        )
        member = await groups.get_or_create_member(
            session,
            tenant_id=tenant.id,
            group_id=group.id,
            customer_id=customer.id,
            platform_user_id=inbound.sender_id,
            username=inbound.sender_name,
            now=now,
        )
    conversation = await conversations.open_conversation(
        session,
        tenant_id=tenant.id,
        channel_id=channel.id,
        bot_id=bot.id,
        customer_id=None if group else customer.id,
        group_id=group.id if group else None,
        conversation_key=conversation_key,
        inactivity_timeout=timedelta(minutes=tenant.inactivity_timeout_minutes),
        now=now,
    )
    history = await conversations.recent_messages(
        session, tenant_id=tenant.id, conversation_id=conversation.id, limit=HISTORY_LIMIT
    )
    templates = await knowledge.active_templates(session, tenant.id)
    commands = await knowledge.active_commands(session, tenant.id, group_id=group.id if group else None)
    turn = Turn(
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        bot=BotSettings(
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
        ),
        conversation=ConversationState(
            conversation_id=conversation.id,
            status=conversation.status,
            consecutive_fallbacks=conversation.consecutive_fallbacks,
        ),
        customer=CustomerInfo(
            customer_id=customer.id,
            first_name=customer.first_name,
            full_name=customer.name,
            phone=customer.phone_e164,
        ),
        inbound=InboundText(text=inbound.text, kind=inbound.kind, payload=inbound.payload),
        history=tuple(
            HistoryItem(role=m.role, text=m.text)  # type: ignore[arg-type]
            for m in history
            if m.text
        ),
        templates=tuple(
            TemplateInfo(t.id, t.name, tuple(str(k) for k in t.trigger_keywords), t.body) for t in templates
        ),
        commands=tuple(CommandInfo(c.id, c.command, c.response) for c in commands),
        intents=tenant_intents(tenant.settings),
        lead_stage=customer.lead_stage,
        lead_score=customer.lead_score,
        allowed_link_domains=allowed_link_domains(tenant.settings),
    )
    silent = inbound.standby or (group is not None and not inbound.addressed)
    return TurnContext(tenant, channel, customer, conversation, group, member, turn, silent)
