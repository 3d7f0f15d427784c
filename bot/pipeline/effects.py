"""Write what a turn decided besides its messages: tool calls, tracked links, lead changes, usage, handoff.

Runs inside the turn's one transaction, so a retried turn never leaves half of these behind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.types import Decision
from bot.handoff.conversation_states import BOT, RULE, transition
from storage.models import Conversation, Customer, Handoff, LeadActivity, ToolCall, TrackedLink, UsageLog
from storage.sql import get_owned

LEAD_LABELS = ((70, "hot"), (40, "warm"), (0, "cold"))


def label_for(score: int) -> str:
    return next(label for floor, label in LEAD_LABELS if score >= floor)


async def persist_effects(
    session: AsyncSession,
    *,
    tenant_id: int,
    conversation: Conversation,
    customer_id: int,
    bot_id: int,
    decision: Decision,
    reply_message_id: int | None,
    inbound_message_id: int,
    now: datetime,
) -> None:
    anchor = reply_message_id or inbound_message_id
    for call in decision.tool_calls:
        session.add(
            ToolCall(
                tenant_id=tenant_id,
                message_id=anchor,
                conversation_id=conversation.id,
                tool=call.tool,
                arguments=dict(call.arguments),
                result=dict(call.result) if call.result is not None else None,
                duration_ms=call.duration_ms,
                success=call.success,
                error=call.error,
            )
        )
    for link in decision.tracked_links:
        session.add(
            TrackedLink(
                tenant_id=tenant_id,
                token=link.token,
                target_url=link.target_url,
                product=link.product,
                conversation_id=conversation.id,
                message_id=reply_message_id,
                bot_id=bot_id,
            )
        )
    if decision.lead_changes:
        await _apply_lead_changes(session, tenant_id=tenant_id, customer_id=customer_id, decision=decision)
    if decision.route == "llm" or decision.llm_failed:
        session.add(
            UsageLog(
                tenant_id=tenant_id,
                conversation_id=conversation.id,
                message_id=anchor,
                usage_type="llm",
                # A failed LLM turn sent the fallback reply: it costs the tenant nothing.
                credits=0 if decision.llm_failed else 1,
                model=decision.model,
                prompt_tokens=decision.prompt_tokens,
                completion_tokens=decision.completion_tokens,
                response_time_ms=decision.latency_ms,
            )
        )
    if decision.handoff_trigger is not None and conversation.status in ("new", "bot_active"):
        session.add(
            Handoff(
                tenant_id=tenant_id,
                conversation_id=conversation.id,
                reason=decision.handoff_reason or decision.handoff_trigger,
                trigger=decision.handoff_trigger,
                requested_at=now,
                summary=decision.handoff_summary,
            )
        )
        # The model asked for it (a bot's act) or a rule fired.
        actor = BOT if decision.handoff_trigger == "llm_tool" else RULE
        await transition(
            session, conversation, "escalated", actor=actor, now=now, reason=decision.handoff_reason
        )


async def _apply_lead_changes(
    session: AsyncSession, *, tenant_id: int, customer_id: int, decision: Decision
) -> None:
    customer = await get_owned(session, Customer, tenant_id, customer_id)
    if customer is None:
        return
    for change in decision.lead_changes:
        if change.field == "stage":
            old, customer.lead_stage = customer.lead_stage, change.new_value
        else:
            old = str(customer.lead_score)
            customer.lead_score = max(0, min(100, int(change.new_value)))
            customer.lead_label = label_for(customer.lead_score)
        session.add(
            LeadActivity(
                tenant_id=tenant_id,
                customer_id=customer.id,
                field=change.field,
                old_value=old,
                new_value=change.new_value,
                reason=change.reason,
                automated=change.automated,
            )
        )
