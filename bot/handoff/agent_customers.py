"""What an agent may do to a customer's record: set the lead by hand, and (admins) forget the customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.handoff.agent_errors import BadRequest, NotAllowed, NotFound
from bot.handoff.agent_views import LeadView
from bot.leads.forgetting import Forgotten, UnknownCustomer, forget_customer
from bot.leads.lead_rules import LeadValueError
from bot.leads.lead_updates import set_lead_by_agent
from bot.tenancy.agent_accounts import AgentIdentity
from storage.models import Customer
from storage.sql import get_owned


async def set_lead(
    session: AsyncSession,
    agent: AgentIdentity,
    customer_id: int,
    *,
    stage: str | None,
    label: str | None,
    customer_type: str | None,
    now: datetime,
) -> LeadView:
    """A manual lead change (an activity row with the agent's id); returns the customer's lead now."""
    if stage is None and label is None and customer_type is None:
        raise BadRequest("give stage, label and/or customer_type")
    customer = await get_owned(session, Customer, agent.tenant_id, customer_id)
    if customer is None or customer.erased_at is not None:
        raise NotFound(f"no customer {customer_id}")
    try:
        await set_lead_by_agent(
            session,
            customer,
            stage=stage,
            label=label,
            customer_type=customer_type,
            agent_id=agent.id,
            now=now,
        )
    except LeadValueError as exc:
        raise BadRequest(str(exc)) from None
    await session.flush()
    return LeadView(
        id=customer.id,
        lead_stage=customer.lead_stage,
        lead_score=customer.lead_score,
        lead_label=customer.lead_label,
        customer_type=customer.customer_type,
    )


async def forget(
    session: AsyncSession, agent: AgentIdentity, customer_id: int, *, now: datetime
) -> Forgotten:
    """Erase a customer's personal data (admins only); idempotent."""
    if not agent.is_admin:
        raise NotAllowed("only an admin may forget a customer")
    try:
        return await forget_customer(
            session, agent.tenant_id, customer_id, requested_by=f"agent {agent.name} (id {agent.id})", now=now
        )
    except UnknownCustomer:
        raise NotFound(f"no customer {customer_id}") from None
