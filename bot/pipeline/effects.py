"""Write what a turn decided besides its messages: tool calls, tracked links, the lead, usage and credits,
handoff.

Runs inside the turn's one transaction, so a retried turn never leaves half of these behind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.turn_credits import Hold, TurnCharge, record_llm_usage
from bot.engine.types import Decision
from bot.handoff.conversation_states import BOT, RULE, SYSTEM, transition
from bot.leads.lead_updates import apply_turn_signals
from bot.observability.runtime_metrics import note_handoff
from storage import agent_queries
from storage.models import Conversation, Customer, Feedback, Handoff, ToolCall, TrackedLink


async def persist_effects(
    session: AsyncSession,
    *,
    tenant_id: int,
    conversation: Conversation,
    customer: Customer,
    bot_id: int,
    decision: Decision,
    reply_message_id: int | None,
    inbound_message_id: int,
    hold: Hold | None,
    default_model: str | None,
    now: datetime,
) -> TurnCharge:
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
    await apply_turn_signals(
        session,
        customer,
        conversation=conversation,
        intent=decision.intent,
        intent_score=decision.intent_score,
        lead_changes=decision.lead_changes,
        now=now,
    )
    # The model's usage and the turn's credits: committed, or released when the model failed.
    charge = await record_llm_usage(
        session,
        tenant_id=tenant_id,
        conversation_id=conversation.id,
        message_id=anchor,
        inbound_message_id=inbound_message_id,
        decision=decision,
        hold=hold,
        default_model=default_model,
        now=now,
    )
    if decision.rating is not None and conversation.status == "resolved":
        await _store_rating(session, conversation, decision, now=now)
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
        note_handoff(decision.handoff_trigger)  # counted once the turn commits
        # The model asked for it (a bot's act) or a rule fired.
        actor = BOT if decision.handoff_trigger == "llm_tool" else RULE
        await transition(
            session, conversation, "escalated", actor=actor, now=now, reason=decision.handoff_reason
        )
    return charge


async def _store_rating(
    session: AsyncSession, conversation: Conversation, decision: Decision, *, now: datetime
) -> None:
    """The customer's CSAT answer, for the agent who resolved the conversation; it closes the conversation."""
    assert decision.rating is not None
    handoff = await agent_queries.latest_handoff(session, conversation.tenant_id, conversation.id)
    agent_id = (
        handoff.agent_id if handoff is not None and handoff.agent_id else conversation.assigned_agent_id
    )
    session.add(
        Feedback(
            tenant_id=conversation.tenant_id,
            conversation_id=conversation.id,
            rating=decision.rating,
            comment=decision.rating_comment,
            agent_id=agent_id,
            resolved=True,
            created_at=now,
            updated_at=now,
        )
    )
    await transition(session, conversation, "closed", actor=SYSTEM, now=now, reason="rated")
