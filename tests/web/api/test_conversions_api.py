"""A shop reports orders to `POST /api/v1/conversions`: who may, what it must send, a retry counts once."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.config import Settings
from bot.security import CredentialBox, body_signature
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.tenant_accounts import rotate_api_key
from storage.db import transaction
from storage.models import Customer, MonetizationSource, Tenant, utcnow
from tests.support.shop import (
    Chats,
    Shop,
    another_tenant,
    lead_activities,
    purchase,
    signing_secret_for,
    stored_conversions,
)


@pytest.fixture
async def shop(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    box: CredentialBox,
    demo: DemoReport,
) -> Shop:
    assert demo.api_key is not None
    client = await aiohttp_client(create_app(settings))
    return Shop(client, "demo", demo.api_key, await signing_secret_for(sessions, box, demo.tenant_id))


@pytest.fixture
async def chats(sessions: async_sessionmaker[AsyncSession], demo: DemoReport) -> Chats:
    return await Chats.of(sessions, demo.tenant_id)


async def test_a_purchase_reported_with_the_api_key_is_recorded_for_the_bots_last_turn(
    shop: Shop, chats: Chats, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer_id, conversation_id = await chats.conversation("ana", at=utcnow() - timedelta(hours=2))
    reply_id = await chats.bot_turn(
        conversation_id, ago=timedelta(hours=1), intent="pricing", intent_score=0.75
    )

    answer = await shop.report(
        purchase(conversation_id=conversation_id, value=59.9, external_order_id="A-1001")
    )

    assert answer.status == 201
    conversion = answer.conversion
    assert {key: conversion[key] for key in ("outcome", "value", "currency", "external_order_id")} == {
        "outcome": "purchased",
        "value": "59.90",
        "currency": "EUR",
        "external_order_id": "A-1001",
    }
    assert (conversion["conversation_id"], conversion["customer_id"], conversion["message_id"]) == (
        conversation_id,
        customer_id,
        reply_id,
    )
    assert (conversion["bot_id"], conversion["intent"], conversion["intent_score"]) == (
        chats.bot_id,
        "pricing",
        0.75,
    )
    [stored] = await stored_conversions(sessions)
    assert stored.id == conversion["id"]
    async with sessions() as session:
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        assert (customer.lead_stage, customer.lead_score) == ("qualified", 40)  # a purchase raises the lead


async def test_a_checkout_can_report_with_a_body_signed_with_the_tenants_secret(
    shop: Shop, chats: Chats, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer_id, _ = await chats.conversation("ben")

    answer = await shop.report_signed(purchase(customer_id=customer_id, currency="usd"))

    assert answer.status == 201
    assert (answer.conversion["customer_id"], answer.conversion["currency"]) == (customer_id, "USD")
    assert len(await stored_conversions(sessions)) == 1


@pytest.mark.parametrize(
    "how",
    [
        "another secret",
        "the signature of another body",
        "another tenant's slug",
        "a tenant without a secret",
        "an unknown slug",
    ],
)
async def test_a_signature_that_does_not_verify_is_refused_and_stores_nothing(
    shop: Shop,
    chats: Chats,
    sessions: async_sessionmaker[AsyncSession],
    box: CredentialBox,
    how: str,
) -> None:
    customer_id, _ = await chats.conversation("ben")
    body = purchase(customer_id=customer_id)
    if how == "another secret":
        answer = await shop.report_signed(body, secret="whsec_not-the-tenants")
    elif how == "the signature of another body":
        assert shop.secret is not None
        signed_for = json.dumps(purchase(customer_id=customer_id)).encode()
        answer = await shop.post_raw(
            json.dumps(body).encode(),
            {"X-Chatbot-Tenant": "demo", "X-Chatbot-Signature": body_signature(shop.secret, signed_for)},
        )
    elif how == "another tenant's slug":
        other = await another_tenant(sessions, box)
        await signing_secret_for(sessions, box, other.tenant_id)  # a secret of its own; the demo's is not it
        answer = await shop.report_signed(body, slug="other-shop")
    elif how == "a tenant without a secret":
        await another_tenant(sessions, box)
        answer = await shop.report_signed(body, slug="other-shop")
    else:
        answer = await shop.report_signed(body, slug="no-such-shop")

    assert answer.status == 401
    assert answer.error["code"] == "unauthorized"
    assert await stored_conversions(sessions) == []


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Basic ZGVtbzprZXk=", "Bearer cbk_not-a-key-we-issued", "Bearer cbk_x;DROP",
     "revoked", "disabled"],
)  # fmt: skip
async def test_without_a_valid_api_key_the_report_is_refused_and_nothing_stored(
    shop: Shop, chats: Chats, sessions: async_sessionmaker[AsyncSession], authorization: str | None
) -> None:
    customer_id, _ = await chats.conversation("ana")
    headers = {"Content-Type": "application/json"}
    if authorization == "revoked":
        async with transaction(sessions) as session:
            tenant = await session.get(Tenant, chats.tenant_id)
            assert tenant is not None
            new_key = await rotate_api_key(session, tenant)
        assert (await shop.report(purchase(customer_id=customer_id), key=new_key)).status == 201
        authorization = f"Bearer {shop.api_key}"  # the old key
    elif authorization == "disabled":
        async with transaction(sessions) as session:
            tenant = await session.get(Tenant, chats.tenant_id)
            assert tenant is not None
            tenant.active = False
        authorization = f"Bearer {shop.api_key}"
    if authorization is not None:
        headers["Authorization"] = authorization
    before = len(await stored_conversions(sessions))

    answer = await shop.post_raw(json.dumps(purchase(customer_id=customer_id)).encode(), headers)

    assert answer.status == 401
    assert answer.error == {
        "status": 401,
        "code": "unauthorized",
        "message": answer.error["message"],
        "field": None,
    }
    assert len(await stored_conversions(sessions)) == before


BAD_INPUT: dict[str, tuple[dict[str, Any], int, str, str]] = {
    # name: (fields changed, status, field named, code)
    "negative value": ({"value": -1}, 422, "value", "invalid"),
    "negative value as text": ({"value": "-0.01"}, 422, "value", "invalid"),
    "non-numeric value": ({"value": "ten euros"}, 422, "value", "invalid"),
    "value true": ({"value": True}, 422, "value", "invalid"),
    "value NaN": ({"value": "NaN"}, 422, "value", "invalid"),
    "value with thousandths": ({"value": "1.005"}, 422, "value", "invalid"),
    "value too large": ({"value": "12345678901"}, 422, "value", "invalid"),
    "no value": ({"value": None}, 422, "value", "required"),
    "unknown currency": ({"currency": "XYZ"}, 422, "currency", "invalid"),
    "a test currency": ({"currency": "XTS"}, 422, "currency", "invalid"),
    "currency not a string": ({"currency": 978}, 422, "currency", "invalid"),
    "unknown outcome": ({"outcome": "refunded"}, 422, "outcome", "invalid"),
    "visited is not reported": ({"outcome": "visited"}, 422, "outcome", "invalid"),
    "empty order id": ({"external_order_id": "  "}, 422, "external_order_id", "invalid"),
    "order id too long": ({"external_order_id": "x" * 129}, 422, "external_order_id", "invalid"),
    "order id with a NUL": ({"external_order_id": "A\x00-1"}, 422, "external_order_id", "invalid"),
    "unknown field": ({"coupon": "SPRING"}, 422, "coupon", "unknown_field"),
    "unknown link token": (
        {"customer_id": None, "link_token": "no-such-token"},
        422,
        "link_token",
        "not_found",
    ),
    "unknown conversation": (
        {"customer_id": None, "conversation_id": 999999},
        422,
        "conversation_id",
        "not_found",
    ),
    "conversation id as text": (
        {"customer_id": None, "conversation_id": "1"},
        422,
        "conversation_id",
        "invalid",
    ),
    "unknown customer": ({"customer_id": 999999}, 422, "customer_id", "not_found"),
    "no customer, conversation or link": ({"customer_id": None}, 422, "link_token", "required"),
    "two of them": ({"conversation_id": 1}, 422, "customer_id", "invalid"),
    "unknown source name": ({"monetization_source": "Flea market"}, 422, "monetization_source", "not_found"),
    "unknown source id": ({"monetization_source": 999999}, 422, "monetization_source", "not_found"),
    "purchase in the future": ({"occurred_at": "2999-01-01T00:00:00Z"}, 422, "occurred_at", "invalid"),
    "time without zone": ({"occurred_at": "2025-01-01T10:00:00"}, 422, "occurred_at", "invalid"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
async def test_bad_input_is_a_4xx_naming_the_field_and_stores_nothing(
    shop: Shop, chats: Chats, sessions: async_sessionmaker[AsyncSession], case: str
) -> None:
    customer_id, _ = await chats.conversation("ana")
    changes, status, field, code = BAD_INPUT[case]
    body = purchase(customer_id=customer_id)
    body.update(changes)
    body = {key: value for key, value in body.items() if value is not None}
    activities = await lead_activities(sessions)

    answer = await shop.report(body)

    assert answer.status == status
    assert (answer.error["status"], answer.error["field"], answer.error["code"]) == (status, field, code)
    assert answer.error["message"]
    assert await stored_conversions(sessions) == []
    assert await lead_activities(sessions) == activities


@pytest.mark.parametrize("raw", [b"", b"{", b"[1, 2]", b'"purchase"', b"\xff\xfe", b"[" * 5000])
async def test_a_body_that_is_not_a_json_object_is_a_400(
    shop: Shop, sessions: async_sessionmaker[AsyncSession], raw: bytes
) -> None:
    answer = await shop.report(raw)

    assert answer.status == 400
    assert (answer.error["code"], answer.error["field"]) == ("invalid_json", None)
    assert await stored_conversions(sessions) == []


@pytest.mark.parametrize("target", ["conversation_id", "customer_id", "link_token"])
async def test_another_tenants_conversation_customer_or_link_is_not_found(
    shop: Shop, sessions: async_sessionmaker[AsyncSession], box: CredentialBox, target: str
) -> None:
    other = await another_tenant(sessions, box)
    customer_id, conversation_id = await other.conversation("their-customer")
    token = await other.link(conversation_id, await other.bot_turn(conversation_id))
    theirs = {"conversation_id": conversation_id, "customer_id": customer_id, "link_token": token}

    answer = await shop.report(purchase(**{target: theirs[target]}))

    assert answer.status == 422
    assert (answer.error["field"], answer.error["code"]) == (target, "not_found")
    assert await stored_conversions(sessions) == []


async def test_a_monetization_source_is_found_by_name_or_by_id(
    shop: Shop, chats: Chats, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer_id, _ = await chats.conversation("ana")
    async with transaction(sessions) as session:
        source = MonetizationSource(tenant_id=chats.tenant_id, name="Online shop", kind="link")
        session.add(source)
        await session.flush()
        source_id = source.id

    by_name = await shop.report(purchase(customer_id=customer_id, monetization_source="Online shop"))
    by_id = await shop.report(purchase(customer_id=customer_id, monetization_source=source_id))

    assert (by_name.status, by_id.status) == (201, 201)
    assert (
        by_name.conversion["monetization_source_id"]
        == by_id.conversion["monetization_source_id"]
        == source_id
    )


async def test_a_retried_purchase_callback_records_one_conversion_and_raises_the_lead_once(
    shop: Shop, chats: Chats, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer_id, _ = await chats.conversation("ana")
    body = purchase(customer_id=customer_id, value="20.5", external_order_id="A-2002")

    first = await shop.report(body)
    again = await shop.report({**body, "value": 20.50})  # the same amount, written differently
    signed = await shop.report_signed(body)

    assert (first.status, again.status, signed.status) == (201, 200, 200)
    assert first.conversion == again.conversion == signed.conversion
    assert len(await stored_conversions(sessions)) == 1
    async with sessions() as session:
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        assert customer.lead_score == 40


async def test_the_same_order_id_with_a_different_body_is_a_409_and_changes_nothing(
    shop: Shop, chats: Chats, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer_id, _ = await chats.conversation("ana")
    body = purchase(customer_id=customer_id, external_order_id="A-3003")
    assert (await shop.report(body)).status == 201

    conflict = await shop.report({**body, "value": "99.00"})

    assert conflict.status == 409
    assert (conflict.error["code"], conflict.error["field"]) == ("conflict", "external_order_id")
    [stored] = await stored_conversions(sessions)
    assert stored.value == Decimal("59.90")


async def test_concurrent_repeats_of_one_purchase_record_one_conversion(
    shop: Shop, chats: Chats, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer_id, conversation_id = await chats.conversation("ana")
    await chats.bot_turn(conversation_id, ago=timedelta(minutes=5))
    body = purchase(customer_id=customer_id, external_order_id="A-4004")

    answers = await asyncio.gather(*(shop.report(body) for _ in range(10)))

    assert sorted(answer.status for answer in answers) == [200] * 9 + [201]
    assert len({answer.conversion["id"] for answer in answers}) == 1
    assert len(await stored_conversions(sessions)) == 1
    async with sessions() as session:
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        assert customer.lead_score == 40  # raised once


async def test_concurrent_reports_of_one_order_with_different_bodies_keep_one(
    shop: Shop, chats: Chats, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer_id, _ = await chats.conversation("ana")
    bodies = [
        purchase(customer_id=customer_id, external_order_id="A-5005", value=str(v)) for v in range(1, 7)
    ]

    answers = await asyncio.gather(*(shop.report(body) for body in bodies))

    assert sorted(answer.status for answer in answers) == [201] + [409] * 5
    [stored] = await stored_conversions(sessions)
    [winner] = [answer for answer in answers if answer.status == 201]
    assert stored.id == winner.conversion["id"]
