"""What the lead tests share: reading a customer's lead and its activity rows, and checking they agree."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Customer, LeadActivity

START = {"stage": "intake", "score": "0", "label": "cold", "type": "new"}


@dataclass(frozen=True)
class Activity:
    field: str
    old: str | None
    new: str
    reason: str
    automated: bool
    agent_id: int | None = None


async def activities(sessions: async_sessionmaker[AsyncSession], customer_id: int) -> list[Activity]:
    async with sessions() as session:
        rows = await session.scalars(
            select(LeadActivity).where(LeadActivity.customer_id == customer_id).order_by(LeadActivity.id)
        )
        return [
            Activity(r.field, r.old_value, r.new_value, r.reason, r.automated, r.agent_id) for r in rows.all()
        ]


async def customer_row(sessions: async_sessionmaker[AsyncSession], customer_id: int) -> Customer:
    async with sessions() as session:
        found = await session.get(Customer, customer_id)
    assert found is not None
    return found


def lead_of(customer: Customer) -> dict[str, str]:
    return {
        "stage": customer.lead_stage,
        "score": str(customer.lead_score),
        "label": customer.lead_label,
        "type": customer.customer_type,
    }


def assert_every_change_recorded(
    customer: Customer, rows: list[Activity], start: dict[str, str] = START
) -> None:
    """Replaying the activity rows from the starting lead gives the customer's lead now, each row starting
    where the one before it (for that field) ended: no change happened without its row."""
    state = dict(start)
    for row in rows:
        assert row.old == state[row.field], row
        assert row.new != row.old, row
        state[row.field] = row.new
    assert state == lead_of(customer)
