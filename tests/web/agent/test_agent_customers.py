"""An agent sets a customer's lead by hand (a manual activity with the agent's id); an admin forgets a
customer; another tenant's customer is not found, and an agent who is not an admin may not forget."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Customer, Erasure, LeadActivity
from tests.support.platforms import World
from tests.web.agent.desk import PSID, customer_says, new_agent, other_tenant


async def the_customer(world: World) -> Customer:
    async with world.sessions() as session:
        customer = await session.scalar(select(Customer).where(Customer.platform_user_id == PSID))
    assert customer is not None
    return customer


async def test_an_agent_sets_the_stage_and_label_as_a_manual_activity(world: World) -> None:
    await customer_says(world, "messenger", "hi, are you open on sunday?")
    customer = await the_customer(world)
    dana = await new_agent(world, "Dana")

    answer = await dana.post(f"/customers/{customer.id}/lead", {"stage": "qualified", "label": "hot"})
    assert answer.status == 200, answer.error
    assert (answer.body["customer"]["lead_stage"], answer.body["customer"]["lead_label"]) == (
        "qualified",
        "hot",
    )
    async with world.sessions() as session:
        rows = (await session.scalars(select(LeadActivity).order_by(LeadActivity.id))).all()
    manual = [(r.field, r.new_value, r.automated, r.agent_id) for r in rows if not r.automated]
    assert manual == [("stage", "qualified", False, dana.id), ("label", "hot", False, dana.id)]

    wrong = await dana.post(f"/customers/{customer.id}/lead", {"stage": "ecstatic"})
    assert wrong.status == 400
    assert (await dana.post(f"/customers/{customer.id}/lead", {})).status == 400


async def test_only_an_admin_forgets_a_customer_and_only_in_its_tenant(world: World) -> None:
    await customer_says(world, "messenger", "hi, are you open on sunday?")
    customer = await the_customer(world)
    dana = await new_agent(world, "Dana")
    boss = await new_agent(world, "Boss", role="admin")
    stranger = await new_agent(world, "Stranger", role="admin", tenant_id=await other_tenant(world))

    assert (await dana.post(f"/customers/{customer.id}/forget")).status == 403
    assert (await stranger.post(f"/customers/{customer.id}/forget")).status == 404
    assert (await stranger.post(f"/customers/{customer.id}/lead", {"stage": "lost"})).status == 404

    done = await boss.post(f"/customers/{customer.id}/forget")
    assert done.status == 200, done.error
    assert done.body["forgotten"]["already"] is False
    again = await boss.post(f"/customers/{customer.id}/forget")
    assert again.body["forgotten"]["already"] is True
    forgotten = await the_customer_by_id(world, customer.id)
    assert (forgotten.name, forgotten.erased_at is not None) == (None, True)
    async with world.sessions() as session:
        (erasure,) = (await session.scalars(select(Erasure))).all()
    assert erasure.requested_by == f"agent Boss (id {boss.id})"
    assert (await boss.post(f"/customers/{customer.id}/lead", {"stage": "lost"})).status == 404


async def the_customer_by_id(world: World, customer_id: int) -> Customer:
    async with world.sessions() as session:
        customer = await session.get(Customer, customer_id)
    assert customer is not None
    return customer
