"""Load what one inbound message's turn needs, reading only: tenant, channel, bot, customer, conversation.

Nothing is written here. Whether the customer, the group, its member and the conversation exist yet,
and whether the open conversation went quiet too long, is only looked at; the turn's one persist
transaction creates, opens and closes them (bot/pipeline/turn.py), so a turn that fails leaves nothing
behind. The tenant's configuration (tenant, channel, bot, templates, commands, knowledge) comes from the
per-process cache (bot/pipeline/config_cache.py), checked against the counter that the turn's first lookup
reads together with the customer, the open conversation and whether the message is a resend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.base import Inbound
from bot.engine.types import (
    ConversationState,
    CustomerInfo,
    HistoryItem,
    InboundText,
    IntentDefinition,
    Turn,
)
from bot.handoff.business_hours import out_of_hours_note
from bot.pipeline.config_cache import ChannelSnapshot, ConfigCache, ConfigMissing, TenantKnowledge
from bot.tenancy.tenant_accounts import allowed_link_domains
from storage import conversations, groups, tenants
from storage.inbox_queue import ClaimedEvent
from storage.models import Channel, Tenant
from storage.sql import get_owned

HISTORY_LIMIT = 20


@dataclass(frozen=True)
class TurnContext:
    """What the persist step needs besides the engine's decision (ids only: nothing stays attached)."""

    tenant_id: int
    channel_id: int
    bot_id: int
    channel: ChannelSnapshot
    # The open conversation this message continues, or None when the turn starts a new one.
    conversation_id: int | None
    # An open conversation that went quiet past the tenant's timeout: the turn closes it.
    expired_conversation_id: int | None
    turn: Turn
    knowledge: TenantKnowledge
    # Recorded, not answered: another app owns the thread (standby), a group message not for us, or a
    # message whose later messages were answered already (an old event put back by `inbox retry`).
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
    channel = await get_owned(session, Channel, tenant_id, channel_id)
    if tenant is None or channel is None:
        raise LookupError(f"channel {channel_id} of tenant {tenant_id} no longer exists")
    return tenant, channel


async def load_turn_context(
    session: AsyncSession,
    *,
    event: ClaimedEvent,
    inbound: Inbound,
    config_cache: ConfigCache,
    now: datetime,
) -> TurnContext | None:
    """None if the same platform message was stored before under another event id (a platform resend)."""
    found = await conversations.turn_lookup(
        session,
        tenant_id=event.tenant_id,
        channel_id=event.channel_id,
        platform_user_id=inbound.sender_id,
        conversation_key=event.conversation_key,
        platform_message_id=inbound.platform_message_id,
    )
    if found.already_stored:
        return None
    config = await config_cache.at_version(session, event.tenant_id, found.config_version)
    tenant = config.tenant
    channel = config.channels.get(event.channel_id)
    if channel is None:
        raise ConfigMissing(f"channel {event.channel_id} of tenant {tenant.id} no longer exists")
    bot = config.bots.get(channel.bot_id)
    if bot is None:
        raise ConfigMissing(f"bot {channel.bot_id} of channel {channel.id} no longer exists")

    customer = found.customer
    group = None
    if inbound.group_id:
        group = await groups.find_group(
            session, tenant_id=tenant.id, channel_id=channel.id, platform_group_id=inbound.group_id
        )
    open_conversation = found.conversation
    expired_id = None
    if open_conversation is not None and conversations.is_expired(
        open_conversation, timedelta(minutes=tenant.inactivity_timeout_minutes), now
    ):
        expired_id, open_conversation = open_conversation.id, None

    window = None
    if open_conversation is not None:
        window = await conversations.conversation_window(
            session,
            tenant_id=tenant.id,
            conversation_id=open_conversation.id,
            limit=HISTORY_LIMIT,
            inbound_event_id=event.id,
        )
    history = tuple(HistoryItem(role=role, text=text) for role, text in window.history) if window else ()  # type: ignore[arg-type]
    earlier = window.earlier if window else conversations.Earlier()
    answered_later = window.answered_later if window else False
    # The platform's current name for the customer wins (persisting the turn stores it too).
    name = inbound.sender_name or (customer.name if customer else None)
    first_name = _first_name(inbound.sender_name) if inbound.sender_name else None
    turn = Turn(
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        bot=bot,
        conversation=ConversationState(
            conversation_id=open_conversation.id if open_conversation else None,
            status=open_conversation.status if open_conversation else "new",
            consecutive_fallbacks=open_conversation.consecutive_fallbacks if open_conversation else 0,
            consecutive_negative=open_conversation.consecutive_negative if open_conversation else 0,
            awaiting_rating=open_conversation is not None
            and open_conversation.status == "resolved"
            and open_conversation.csat_requested_at is not None,
        ),
        customer=CustomerInfo(
            customer_id=customer.id if customer else None,
            first_name=first_name or (customer.first_name if customer else None),
            full_name=name,
            phone=inbound.phone or (customer.phone_e164 if customer else None),
        ),
        inbound=InboundText(text=inbound.text, kind=inbound.kind, payload=inbound.payload),
        history=history,
        templates=config.templates,
        commands=config.commands_for(group.id if group else None),
        intents=tenant_intents(tenant.settings),
        lead_stage=customer.lead_stage if customer else "intake",
        lead_score=customer.lead_score if customer else 0,
        allowed_link_domains=allowed_link_domains(tenant.settings),
        recent_intents=earlier.intents,
        source=_source(inbound) or earlier.source,
        out_of_hours_note=out_of_hours_note(tenant.settings, tenant.timezone, now),
    )
    silent = inbound.standby or (inbound.group_id is not None and not inbound.addressed) or answered_later
    return TurnContext(
        tenant_id=tenant.id,
        channel_id=channel.id,
        bot_id=bot.bot_id,
        channel=channel,
        conversation_id=open_conversation.id if open_conversation else None,
        expired_conversation_id=expired_id,
        turn=turn,
        knowledge=config.knowledge,
        silent=silent,
    )


def _source(inbound: Inbound) -> str | None:
    referral = inbound.referral
    if referral is None:
        return None
    detail = referral.ad_id or referral.ref or referral.post_id
    return f"{referral.source} {detail}" if detail else referral.source


def _first_name(name: str | None) -> str | None:
    words = name.split() if name else []
    return words[0] if words else None
