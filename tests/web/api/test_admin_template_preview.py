"""`POST /api/v1/templates/preview`: a tenant admin sees a template body as a customer would get it,
rendered by the bot's own renderer, and which placeholders it uses or the bot does not know."""

from __future__ import annotations

from bot.engine.render import placeholder_values, render
from bot.tenancy.demo.content import DEMO_BOT, DEMO_TENANT
from tests.support.admin_api import AdminApi

BODY = 'Hi {first_name}, I am {{ bot_name }} from {tenant_name}. Your code: {coupon}. {"json": 1}'


async def test_the_preview_fills_the_customer_bot_and_tenant_and_lists_the_placeholders(
    admin: AdminApi,
) -> None:
    preview = await admin.post(
        "/templates/preview", {"body": BODY, "customer": {"first_name": "Ada", "full_name": "Ada Lovelace"}}
    )

    assert preview.status == 200, preview.body
    assert preview.body == {
        "text": 'Hi Ada, I am Bean from Demo Coffee Roasters. Your code: {coupon}. {"json": 1}',
        "placeholders": ["first_name", "bot_name", "tenant_name", "coupon"],
        "unknown": ["coupon"],
    }
    # The same text a turn sends to that customer.
    turn_values = placeholder_values(
        first_name="Ada", full_name="Ada Lovelace", bot_name=DEMO_BOT.name, tenant_name=DEMO_TENANT.name
    )
    assert preview.body["text"] == render(BODY, turn_values)


async def test_without_a_customer_name_the_sentence_still_reads(admin: AdminApi) -> None:
    preview = await admin.post(
        "/templates/preview", {"body": "Thanks for that, {first_name}! {FULL_NAME}, bye."}
    )

    assert preview.status == 200
    assert preview.body["text"] == "Thanks for that! Bye."
    assert (preview.body["placeholders"], preview.body["unknown"]) == (["first_name", "full_name"], [])


async def test_the_preview_uses_the_callers_tenant_and_stores_nothing(
    admin: AdminApi, other_admin: AdminApi
) -> None:
    before = await admin.get("/templates")

    theirs = await other_admin.post("/templates/preview", {"body": "Welcome to {tenant_name}."})

    assert theirs.body["text"] == "Welcome to Other Shop."
    assert (await admin.get("/templates")).body == before.body


async def test_refusals_name_the_field(admin: AdminApi) -> None:
    empty = await admin.post("/templates/preview", {"body": ""})
    assert (empty.status, empty.error["field"]) == (422, "body")
    missing = await admin.post("/templates/preview", {"customer": {"first_name": "Ada"}})
    assert (missing.status, missing.error["code"], missing.error["field"]) == (422, "required", "body")
    unknown = await admin.post("/templates/preview", {"body": "Hi", "customer": {"email": "a@example.com"}})
    assert (unknown.status, unknown.error["code"], unknown.error["field"]) == (
        422, "unknown_field", "customer.email"
    )  # fmt: skip
    extra = await admin.post("/templates/preview", {"body": "Hi", "save": True})
    assert (extra.status, extra.error["field"]) == (422, "save")
