"""Forgetting a customer: after real conversations (one of their own, one in a group), nothing that names
them is left anywhere in the database, the interactions are still counted, and doing it again changes
nothing.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Attachment, Location, Referral
from bot.conversions.conversion_request import ConversionRequest
from bot.conversions.purchase_callbacks import record_conversion
from bot.leads.erasure_steps import ERASED
from bot.leads.forgetting import Forgotten, UnknownCustomer, forget_customer
from bot.leads.lead_updates import record_purchase
from storage.db import transaction
from storage.models import (
    AgentNote,
    Base,
    Conversation,
    Conversion,
    Customer,
    Erasure,
    Feedback,
    GroupMember,
    Handoff,
    InboundEvent,
    LeadActivity,
    Message,
    ToolCall,
    utcnow,
)
from tests.handoff.test_handoff_rules import COMPLAINT, Chat, chat
from tests.support.doubles import message, wait_until

__all__ = ["chat"]

NAME, PHONE = "Rita Moreno", "+15550104477"
ADDRESS = "flat 4B, 9 Quayside Lane"
# Everything that could point at her; her platform id is "rita".
PERSONAL = ("Rita", "Moreno", PHONE, "Quayside", "rita-selfie", '"rita"', "'rita'")
GROUP = "g-coffee-club"
COUNTED = (
    Message,
    Conversation,
    Conversion,
    ToolCall,
    LeadActivity,
    Handoff,
    InboundEvent,
    Feedback,
    AgentNote,
)


async def say(chat: Chat, text: str, who: str = "rita", *, group: str | None = None, **extra: Any) -> None:
    """``who`` says ``text`` (in ``group`` if given); waits until it is answered and the replies are sent."""
    chat.said += 1
    inbound = replace(
        message(who, text, f"e{chat.said}"),
        sender_name=NAME if who == "rita" else "Otto Berg",
        phone=PHONE if who == "rita" and group is None else None,
        group_id=group,
        conversation_key=group or who,
        addressed=group is not None,
        **extra,
    )
    await chat.runtime.inbox.accept(chat.tenant_id, chat.channel_id, [inbound])

    async def answered() -> bool:
        async with chat.sessions() as session:
            statuses = (await session.scalars(select(InboundEvent.status))).all()
            pending = await session.scalar(select(func.count()).where(Message.status == "pending"))
        return len(statuses) == chat.said and all(s == "done" for s in statuses) and not pending

    await wait_until(answered)


async def everything(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[str]]:
    """Every row of every table, as text."""
    dump: dict[str, list[str]] = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table).order_by(*table.primary_key.columns))).all()
            dump[table.name] = [repr(tuple(row)) for row in rows]
    return dump


def mentions_of_her(dump: dict[str, list[str]]) -> list[str]:
    return [
        f"{table}: {row}" for table, rows in dump.items() for row in rows if any(p in row for p in PERSONAL)
    ]


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return {
            model.__tablename__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in COUNTED
        }


async def customer_named(sessions: async_sessionmaker[AsyncSession], platform_user_id: str) -> Customer:
    async with sessions() as session:
        found = await session.scalar(select(Customer).where(Customer.platform_user_id == platform_user_id))
    assert found is not None
    return found


async def add_notes_about_her(chat: Chat, customer_id: int) -> None:
    """What agents, the assistant and a shop write about a customer besides the messages."""
    async with transaction(chat.sessions) as session:
        conversation = await session.scalar(
            select(Conversation).where(Conversation.customer_id == customer_id)
        )
        assert conversation is not None
        anchor = await session.scalar(
            select(Message.id).where(Message.conversation_id == conversation.id).limit(1)
        )
        assert anchor is not None
        own = {"tenant_id": chat.tenant_id, "conversation_id": conversation.id}
        session.add_all(
            [
                ToolCall(
                    **own,
                    message_id=anchor,
                    tool="get_customer_profile",
                    arguments={},
                    result={"name": NAME, "lead_score": 5},
                    success=True,
                ),
                AgentNote(**own, text="Rita Moreno called twice about the refund"),
                Feedback(**own, rating=2, comment="Rita here: slow answers"),
                Conversion(
                    tenant_id=chat.tenant_id,
                    conversation_id=conversation.id,
                    customer_id=customer_id,
                    outcome="purchased",
                    value=Decimal("18.50"),
                    occurred_at=utcnow(),
                    notes="gift wrap for Rita Moreno",
                ),
                LeadActivity(
                    tenant_id=chat.tenant_id,
                    customer_id=customer_id,
                    field="stage",
                    old_value="intake",
                    new_value="nurture",
                    reason="Rita Moreno asked for a wholesale quote",
                ),
            ]
        )


async def forget(chat: Chat, customer_id: int) -> Forgotten:
    async with transaction(chat.sessions) as session:
        return await forget_customer(
            session, chat.tenant_id, customer_id, requested_by="privacy request #42", now=utcnow()
        )


async def test_forgetting_leaves_nothing_that_names_her_and_keeps_the_counts(chat: Chat) -> None:
    await say(
        chat,
        f"hi, I live at {ADDRESS}",
        location=Location(51.5, -0.1, name="Quayside Lane"),
        attachments=(Attachment("image", url="https://cdn.example/rita-selfie.jpg"),),
    )
    await say(chat, COMPLAINT)  # handed over: a summary naming her, with her phone
    await say(chat, "hi there", who="otto")
    rita = await customer_named(chat.sessions, "rita")
    await add_notes_about_her(chat, rita.id)
    assert len(mentions_of_her(await everything(chat.sessions))) > 10  # she is all over the database
    before = await counts(chat.sessions)
    async with chat.sessions() as session:
        intents_before = (await session.scalars(select(Message.intent).order_by(Message.id))).all()

    done = await forget(chat, rita.id)

    assert (done.already, done.conversations_closed) == (False, 1)
    assert done.messages == before["messages"] - 2  # all but Otto's message and its reply
    assert mentions_of_her(await everything(chat.sessions)) == []
    assert await counts(chat.sessions) == before
    async with chat.sessions() as session:
        forgotten = await session.get(Customer, rita.id)
        assert forgotten is not None
        assert (forgotten.name, forgotten.first_name, forgotten.phone_e164) == (None, None, None)
        assert forgotten.platform_user_id == f"erased:{rita.id}"
        assert forgotten.erased_at is not None
        texts = (await session.scalars(select(Message.text).where(Message.customer_id == rita.id))).all()
        assert set(texts) == {ERASED}
        # What the reports count is still there: the intents of every message, the sale's value.
        assert (await session.scalars(select(Message.intent).order_by(Message.id))).all() == intents_before
        assert await session.scalar(select(Conversion.value)) == Decimal("18.50")
        (conversation,) = (
            await session.scalars(select(Conversation).where(Conversation.customer_id == rita.id))
        ).all()
        assert conversation.status == "closed"
        (erasure,) = (await session.scalars(select(Erasure))).all()
        assert (erasure.customer_id, erasure.requested_by) == (rita.id, "privacy request #42")
        # Otto is untouched.
        otto_texts = (await session.scalars(select(Message.text).where(Message.customer_id != rita.id))).all()
        assert otto_texts == ["hi there"]


async def test_forgetting_twice_changes_nothing_and_says_so(chat: Chat) -> None:
    await say(chat, "how much is the house blend?")
    rita = await customer_named(chat.sessions, "rita")
    first = await forget(chat, rita.id)
    after_first = await everything(chat.sessions)

    second = await forget(chat, rita.id)

    assert second == Forgotten(rita.id, first.erased_at, already=True)
    assert await everything(chat.sessions) == after_first


async def test_a_forgotten_customer_who_writes_again_is_a_new_customer(chat: Chat) -> None:
    await say(chat, "how much is the house blend?")
    rita = await customer_named(chat.sessions, "rita")
    await forget(chat, rita.id)

    await say(chat, "hello, it's me again")

    again = await customer_named(chat.sessions, "rita")
    assert again.id != rita.id
    assert again.name == NAME
    async with chat.sessions() as session:
        conversations = (await session.scalars(select(Conversation).order_by(Conversation.id))).all()
    assert [(c.customer_id, c.status) for c in conversations] == [
        (rita.id, "closed"),
        (again.id, "bot_active"),
    ]
    # Her old lead is frozen: a late purchase callback for the forgotten row changes nothing.
    async with transaction(chat.sessions) as session:
        assert await record_purchase(session, chat.tenant_id, rita.id, now=utcnow()) == ()


async def test_in_a_group_only_her_membership_messages_and_mentions_go(chat: Chat) -> None:
    await say(chat, "do you sell decaf?", who="otto", group=GROUP)
    await say(chat, COMPLAINT, group=GROUP)  # the group is handed over; the summary names her
    rita = await customer_named(chat.sessions, "rita")
    async with chat.sessions() as session:
        members = (await session.scalars(select(GroupMember.platform_user_id))).all()
    assert sorted(members) == ["otto", "rita"]

    done = await forget(chat, rita.id)

    assert (done.memberships, done.conversations_closed) == (1, 0)
    assert mentions_of_her(await everything(chat.sessions)) == []
    async with chat.sessions() as session:
        members = (await session.scalars(select(GroupMember.platform_user_id))).all()
        assert members == ["otto"]
        rows = (
            await session.execute(
                select(Message.customer_id, Message.role, Message.text).order_by(Message.id)
            )
        ).all()
        handoff = await session.scalar(select(Handoff))
    otto = await customer_named(chat.sessions, "otto")
    assert rows[0] == (otto.id, "user", "do you sell decaf?")
    assert rows[1].role == "assistant"
    assert rows[1].text != ERASED  # the bot's answer to Otto
    assert [(r.customer_id, r.text) for r in rows[2:]] == [(rita.id, ERASED)] + [(None, ERASED)] * (
        len(rows) - 3
    )
    assert handoff is not None
    assert handoff.summary is not None
    assert f"Customer: {ERASED}" in handoff.summary


async def test_another_tenants_or_an_unknown_customer_cannot_be_forgotten(chat: Chat) -> None:
    await say(chat, "hi")
    rita = await customer_named(chat.sessions, "rita")

    with pytest.raises(UnknownCustomer):
        async with transaction(chat.sessions) as session:
            await forget_customer(session, chat.tenant_id + 1, rita.id, requested_by="someone", now=utcnow())
    with pytest.raises(UnknownCustomer):
        await forget(chat, rita.id + 100)

    assert (await customer_named(chat.sessions, "rita")).erased_at is None


async def test_her_ad_click_id_and_ref_go_while_the_ad_and_its_sale_stay_counted(chat: Chat) -> None:
    referral = Referral(source="ad", ad_id="120210000000000777", ctwa_clid="ARAk-rita-click", ref="rita-ref")
    await say(chat, "I saw your ad", referral=referral)
    rita = await customer_named(chat.sessions, "rita")
    async with transaction(chat.sessions) as session:
        request = ConversionRequest.model_validate(
            {
                "customer_id": rita.id,
                "outcome": "purchased",
                "value": "12",
                "currency": "EUR",
                "external_order_id": "r-1",
            }
        )
        await record_conversion(session, tenant_id=chat.tenant_id, request=request, now=utcnow())
    assert any(
        "ARAk-rita-click" in row for rows in (await everything(chat.sessions)).values() for row in rows
    )

    await forget(chat, rita.id)

    dump = await everything(chat.sessions)
    assert [row for rows in dump.values() for row in rows if "rita-click" in row or "rita-ref" in row] == []
    async with chat.sessions() as session:
        (sale,) = (await session.scalars(select(Conversion))).all()
        conversation = await session.scalar(select(Conversation).where(Conversation.customer_id == rita.id))
    assert conversation is not None
    assert (sale.value, sale.first_touch_ad_id, sale.last_touch_source) == (
        Decimal("12.00"),
        "120210000000000777",
        "ad",
    )
    assert (conversation.first_touch_ad_id, conversation.first_touch_ctwa_clid) == (
        "120210000000000777",
        None,
    )
