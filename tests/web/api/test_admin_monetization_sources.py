"""`/api/v1/monetization-sources`: a tenant admin names where revenue comes from, renames it with
If-Match, and cannot delete a source its conversions are owed to."""

from __future__ import annotations

from decimal import Decimal
from typing import get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversions.monetization_sources import SourceKind
from storage.db import transaction
from storage.models import Conversion, MonetizationSource, utcnow
from storage.models.conversion_tables import SOURCE_KINDS
from tests.support.admin_api import AdminApi

SHOP = {"name": "Online shop", "kind": "direct"}


async def sale_from(sessions: async_sessionmaker[AsyncSession], tenant_id: int, source_id: int) -> None:
    async with transaction(sessions) as session:
        session.add(
            Conversion(
                tenant_id=tenant_id, outcome="purchased", value=Decimal("12.00"), currency="USD",
                monetization_source_id=source_id, occurred_at=utcnow(), external_order_id="order-1",
            )
        )  # fmt: skip


def test_the_api_offers_the_kinds_the_database_allows() -> None:
    assert set(get_args(SourceKind)) == set(SOURCE_KINDS)


async def test_an_admin_adds_reads_renames_and_deletes_a_source(admin: AdminApi) -> None:
    created = await admin.post("/monetization-sources", {"name": "  Online shop ", "kind": "direct"})
    assert created.status == 201, created.body
    assert (created.body["name"], created.body["kind"]) == ("Online shop", "direct")
    one = f"/monetization-sources/{created.body['id']}"

    read = await admin.get(one)
    assert (read.status, read.body, read.etag) == (200, created.body, created.etag)
    assert created.body in (await admin.get("/monetization-sources")).body["items"]

    renamed = await admin.patch(one, {"name": "Web shop", "kind": "link"}, headers={"If-Match": read.etag})
    assert (renamed.status, renamed.body["name"], renamed.body["kind"]) == (200, "Web shop", "link")
    stale = await admin.patch(one, {"name": "Old shop"}, headers={"If-Match": read.etag})
    assert (stale.status, stale.error["field"]) == (412, "If-Match")
    assert (await admin.delete(one, headers={"If-Match": read.etag})).status == 412

    assert (await admin.delete(one, headers={"If-Match": renamed.etag})).status == 204
    assert (await admin.get(one)).status == 404


async def test_a_source_with_sales_is_not_deleted_so_reports_keep_its_revenue(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await admin.post("/monetization-sources", SHOP)
    async with sessions() as session:
        source = await session.get(MonetizationSource, created.body["id"])
        assert source is not None
        tenant_id = source.tenant_id
    await sale_from(sessions, tenant_id, created.body["id"])

    refused = await admin.delete(f"/monetization-sources/{created.body['id']}")

    assert (refused.status, refused.error["code"]) == (409, "in_use")
    assert "rename it instead" in refused.error["message"]
    async with sessions() as session:
        owed = await session.scalar(select(Conversion.monetization_source_id))
    assert owed == created.body["id"]
    renamed = await admin.patch(f"/monetization-sources/{created.body['id']}", {"name": "Old web shop"})
    assert renamed.status == 200


async def test_a_create_with_an_idempotency_key_makes_one_source(admin: AdminApi) -> None:
    key = {"Idempotency-Key": "source-create-1"}
    first = await admin.post("/monetization-sources", SHOP, headers=key)
    repeat = await admin.post("/monetization-sources", SHOP, headers=key)

    assert first.status == 201
    assert (repeat.status, repeat.body, repeat.headers.get("Idempotent-Replayed")) == (
        201,
        first.body,
        "true",
    )
    other_body = await admin.post("/monetization-sources", {**SHOP, "name": "Ads"}, headers=key)
    assert (other_body.status, other_body.error["code"]) == (422, "idempotency_key_reused")
    names = [s["name"] for s in (await admin.get("/monetization-sources")).body["items"]]
    assert names.count("Online shop") == 1
    assert "Ads" not in names


async def test_refusals_name_the_field(admin: AdminApi) -> None:
    assert (await admin.post("/monetization-sources", SHOP)).status == 201

    twin = await admin.post("/monetization-sources", {"name": "Online shop", "kind": "ads"})
    assert (twin.status, twin.error["code"], twin.error["field"]) == (409, "conflict", "name")
    kind = await admin.post("/monetization-sources", {"name": "Flea market", "kind": "barter"})
    assert (kind.status, kind.error["field"]) == (422, "kind")
    blank = await admin.post("/monetization-sources", {"name": "  ", "kind": "ads"})
    assert (blank.status, blank.error["field"]) == (422, "name")
    unknown = await admin.post("/monetization-sources", {**SHOP, "name": "X", "share": 5})
    assert (unknown.status, unknown.error["code"], unknown.error["field"]) == (422, "unknown_field", "share")
    ads = await admin.post("/monetization-sources", {"name": "Ads", "kind": "ads"})
    taken = await admin.patch(f"/monetization-sources/{ads.body['id']}", {"name": "Online shop"})
    assert (taken.status, taken.error["field"]) == (409, "name")
    null_kind = await admin.patch(f"/monetization-sources/{ads.body['id']}", {"kind": None})
    assert (null_kind.status, null_kind.error["field"]) == (422, "kind")
    assert (await admin.get(f"/monetization-sources/{ads.body['id']}")).body == ads.body


async def test_another_tenants_sources_are_not_found(admin: AdminApi, other_admin: AdminApi) -> None:
    mine = await admin.post("/monetization-sources", SHOP)
    one = f"/monetization-sources/{mine.body['id']}"

    assert (await other_admin.get(one)).status == 404
    assert (await other_admin.patch(one, {"name": "Taken"})).status == 404
    assert (await other_admin.delete(one)).status == 404
    assert (await other_admin.get("/monetization-sources")).body["items"] == []
    assert (await other_admin.post("/monetization-sources", SHOP)).status == 201  # names are per tenant
    assert (await admin.get(one)).body == mine.body
