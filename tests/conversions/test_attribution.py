"""Which bot turn a sale is owed to: the link's turn, else the last answer within the window, else none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversions.conversion_request import ConversionRequest
from bot.conversions.purchase_callbacks import ConversionView, record_conversion
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.tenant_accounts import set_attribution_window
from storage.db import transaction
from storage.models import Conversation, Tenant, utcnow
from tests.support.shop import Chats, purchase

DAY = timedelta(days=1)


@pytest.fixture
async def chats(sessions: async_sessionmaker[AsyncSession], demo: DemoReport) -> Chats:
    return await Chats.of(sessions, demo.tenant_id)


async def report(chats: Chats, **fields: Any) -> ConversionView:
    async with transaction(chats.sessions) as session:
        recorded = await record_conversion(
            session,
            tenant_id=chats.tenant_id,
            request=ConversionRequest.model_validate(purchase(**fields)),
            now=utcnow(),
        )
    assert recorded.created
    return recorded.conversion


async def test_a_sale_through_a_link_is_owed_to_the_turn_that_offered_it_however_long_ago(
    chats: Chats,
) -> None:
    _, conversation_id = await chats.conversation("ana", at=utcnow() - 30 * DAY)
    offered = await chats.bot_turn(conversation_id, ago=20 * DAY, intent="purchase_intent", intent_score=0.9)
    token = await chats.link(conversation_id, offered)
    await chats.bot_turn(conversation_id, ago=DAY, intent="thanks", intent_score=0.6)  # a later answer

    conversion = await report(chats, link_token=token)

    assert (conversion.message_id, conversion.conversation_id) == (offered, conversation_id)
    assert (conversion.intent, conversion.intent_score) == ("purchase_intent", 0.9)
    assert conversion.tracked_link_id is not None


async def test_otherwise_it_is_owed_to_the_last_answer_within_the_window(chats: Chats) -> None:
    _, conversation_id = await chats.conversation("ana", at=utcnow() - 8 * DAY)
    await chats.bot_turn(conversation_id, ago=6 * DAY)
    last_answer = await chats.bot_turn(conversation_id, ago=2 * DAY, intent="pricing", intent_score=0.7)
    # A fallback ("sorry, I did not get that") sold nothing: it is passed over.
    await chats.bot_turn(conversation_id, ago=timedelta(hours=1), route="fallback", intent=None)

    conversion = await report(chats, conversation_id=conversation_id)

    assert (conversion.message_id, conversion.intent, conversion.intent_score) == (
        last_answer,
        "pricing",
        0.7,
    )


async def test_an_answer_older_than_the_window_gets_no_credit(chats: Chats) -> None:
    customer_id, conversation_id = await chats.conversation("ana", at=utcnow() - 9 * DAY)
    await chats.bot_turn(conversation_id, ago=8 * DAY)

    conversion = await report(chats, conversation_id=conversation_id)

    assert conversion.message_id is None
    assert (conversion.conversation_id, conversion.customer_id) == (conversation_id, customer_id)
    assert (conversion.intent, conversion.intent_score) == (None, None)


async def test_the_tenant_sets_a_longer_window(chats: Chats) -> None:
    _, conversation_id = await chats.conversation("ana", at=utcnow() - 9 * DAY)
    old_answer = await chats.bot_turn(conversation_id, ago=8 * DAY)
    async with transaction(chats.sessions) as session:
        tenant = await session.get(Tenant, chats.tenant_id)
        assert tenant is not None
        await set_attribution_window(session, tenant, 10)

    conversion = await report(chats, conversation_id=conversation_id)

    assert conversion.message_id == old_answer


async def test_the_window_ends_at_the_purchase_not_at_the_report(chats: Chats) -> None:
    _, conversation_id = await chats.conversation("ana", at=utcnow() - DAY)
    before_purchase = await chats.bot_turn(conversation_id, ago=timedelta(hours=3))
    await chats.bot_turn(conversation_id, ago=timedelta(hours=1))  # after the customer had bought

    purchased_at = (utcnow() - timedelta(hours=2)).isoformat()
    conversion = await report(chats, conversation_id=conversation_id, occurred_at=purchased_at)

    assert conversion.message_id == before_purchase


async def test_a_customers_sale_is_owed_to_the_last_answer_in_any_of_their_conversations(
    chats: Chats,
) -> None:
    customer_id, older = await chats.conversation("ana", at=utcnow() - 5 * DAY)
    answer_in_older = await chats.bot_turn(older, ago=4 * DAY)
    async with transaction(chats.sessions) as session:
        conversation = await session.get(Conversation, older)
        assert conversation is not None
        conversation.status = "closed"
    _, newer = await chats.conversation("ana", at=utcnow() - 3 * DAY)
    answer_in_newer = await chats.bot_turn(newer, ago=2 * DAY)

    conversion = await report(chats, customer_id=customer_id)

    assert (conversion.message_id, conversion.conversation_id) == (answer_in_newer, newer)
    assert answer_in_older != answer_in_newer


async def test_a_customer_without_a_recent_answer_is_recorded_on_their_latest_conversation(
    chats: Chats,
) -> None:
    customer_id, conversation_id = await chats.conversation("ana", at=utcnow() - 20 * DAY)
    await chats.bot_turn(conversation_id, ago=19 * DAY)

    conversion = await report(chats, customer_id=customer_id)

    assert (conversion.message_id, conversion.conversation_id, conversion.customer_id) == (
        None,
        conversation_id,
        customer_id,
    )
