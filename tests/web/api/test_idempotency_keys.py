"""A POST sent with an Idempotency-Key creates once: a repeat gets the first answer, another body is
refused, concurrent twins make one row, and a failed request leaves the key free."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.config import Settings
from bot.tenancy import reply_templates
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.reply_templates import TemplateFields, TemplateView
from bot.web.api.route_table import ApiCall, RouteTable, register
from storage.models import Template
from tests.support.admin_api import AdminApi

table = RouteTable("test")


@table.post(
    "/idempotent-templates",
    "create a template, once per key",
    body=TemplateFields,
    status=201,
    idempotent=True,
)
async def create_once(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(TemplateFields)
    async with call.writing() as session:
        template = await reply_templates.create_template(session, call.tenant_id, fields)
        if fields.body == "fail after the insert":
            raise web.HTTPServiceUnavailable()
        return call.answer(TemplateView.model_validate(template), status=201)


@pytest.fixture
async def keyed(aiohttp_client: AiohttpClient, settings: Settings, demo: DemoReport) -> AdminApi:
    app = create_app(settings)
    register(app, [table])
    assert demo.api_key is not None
    return AdminApi(await aiohttp_client(app), demo.api_key)


async def templates_named(sessions: async_sessionmaker[AsyncSession], name: str) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).where(Template.name == name)) or 0)


def body(name: str, text: str = "Ten percent off today") -> dict[str, Any]:
    return {"name": name, "body": text}


async def test_a_repeat_with_the_same_key_gets_the_first_answer_and_creates_nothing(
    keyed: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await keyed.post("/idempotent-templates", body("promo"), headers={"Idempotency-Key": "k-1"})
    again = await keyed.post("/idempotent-templates", body("promo"), headers={"Idempotency-Key": "k-1"})

    assert first.status == 201
    assert again.status == 201
    assert again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await templates_named(sessions, "promo") == 1


async def test_the_same_key_with_another_body_is_refused(keyed: AdminApi) -> None:
    await keyed.post("/idempotent-templates", body("promo"), headers={"Idempotency-Key": "k-2"})
    other = await keyed.post("/idempotent-templates", body("other"), headers={"Idempotency-Key": "k-2"})
    assert (other.status, other.error["code"], other.error["field"]) == (
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
    )


async def test_concurrent_twins_create_one_row(
    keyed: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    answers = await asyncio.gather(
        *(
            keyed.post("/idempotent-templates", body("twin"), headers={"Idempotency-Key": "k-3"})
            for _ in range(6)
        )
    )
    assert await templates_named(sessions, "twin") == 1
    assert {a.status for a in answers} <= {201, 409}
    assert 201 in {a.status for a in answers}


async def test_a_failed_request_leaves_the_key_free_and_nothing_half_written(
    keyed: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    failed = await keyed.post(
        "/idempotent-templates", body("flaky", "fail after the insert"), headers={"Idempotency-Key": "k-4"}
    )
    assert failed.status == 503
    assert await templates_named(sessions, "flaky") == 0
    retried = await keyed.post("/idempotent-templates", body("flaky2"), headers={"Idempotency-Key": "k-4"})
    assert retried.status == 201


async def test_a_malformed_key_names_the_header(keyed: AdminApi) -> None:
    bad = await keyed.post("/idempotent-templates", body("x"), headers={"Idempotency-Key": "has space"})
    assert (bad.status, bad.error["field"]) == (422, "Idempotency-Key")
