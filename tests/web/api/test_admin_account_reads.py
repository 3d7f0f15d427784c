"""An admin reads its credit account, ledger, usage, conversions and report for a period.

The demo's week of sales (bot/tenancy/demo/sales.py) is the data: two purchases (EUR 34 and EUR 24), an
abandoned cart, a customer who did nothing, link clicks, one LLM turn and three ratings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing import credit_accounts
from bot.security import CredentialBox
from bot.tenancy.demo.seed import DemoReport, seed_demo
from storage.db import transaction
from storage.models import CreditAccount, utcnow
from tests.support.admin_api import AdminApi
from tests.support.credits import tenant_row
from tests.support.openapi_check import Documented


async def test_an_admin_reads_its_credits_plan_and_limits(admin: AdminApi) -> None:
    docs = await Documented.of(admin)

    credits = docs.check("/credits", await admin.get("/credits"))

    assert credits["plan"]["code"] == "pro"
    assert credits["plan"]["subscription_status"] in ("active", "trialing")
    assert credits["balance"] == credits["plan"]["credits_per_period"] == credits["period"]["plan_credits"]
    assert (credits["reserved"], credits["available"]) == (0, credits["balance"])
    assert credits["limits"]["llm_turns_per_minute"] > 0
    assert credits["period"]["start"] < credits["period"]["end"]


async def test_a_grant_shows_in_the_balance_and_at_the_top_of_the_ledger(
    admin: AdminApi, demo: DemoReport, sessions: async_sessionmaker[AsyncSession]
) -> None:
    docs = await Documented.of(admin)
    before = (await admin.get("/credits")).body["balance"]
    tenant = await tenant_row(sessions, demo.tenant_id)
    for order in ("order-1", "order-2"):
        async with transaction(sessions) as session:
            await credit_accounts.grant(
                session, tenant, credits_added=500, key=order, note=f"bought, {order}", now=utcnow()
            )

    assert (await admin.get("/credits")).body["balance"] == before + 1000
    first = docs.check("/credits/ledger", await admin.get("/credits/ledger?limit=2"))
    newest, older = first["items"]
    assert (newest["kind"], newest["delta"], newest["balance_after"]) == ("grant", 500, before + 1000)
    assert (newest["description"], older["description"]) == ("bought, order-2", "bought, order-1")
    rest = docs.check("/credits/ledger", await admin.get(first["next"]))
    assert [(e["kind"], e["balance_after"]) for e in rest["items"]] == [("refill", before)]
    assert rest["next"] is None
    grants = await admin.get("/credits/ledger?kind=grant")
    assert [e["description"] for e in grants.body["items"]] == ["bought, order-2", "bought, order-1"]


async def test_reading_credits_after_the_period_ended_shows_the_new_period(
    admin: AdminApi, demo: DemoReport, sessions: async_sessionmaker[AsyncSession]
) -> None:
    now = utcnow()
    async with transaction(sessions) as session:
        await session.execute(
            update(CreditAccount)
            .where(CreditAccount.tenant_id == demo.tenant_id)
            .values(period_start=now - timedelta(days=40), period_end=now - timedelta(days=10))
        )

    credits = (await admin.get("/credits")).body

    period = credits["period"]
    assert datetime.fromisoformat(period["start"]) <= now < datetime.fromisoformat(period["end"])
    kinds = [e["kind"] for e in (await admin.get("/credits/ledger")).body["items"]]
    assert kinds[0] == "refill"


async def test_usage_conversions_and_feedback_of_the_demo_week(
    admin: AdminApi, demo: DemoReport, sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> None:
    docs = await Documented.of(admin)
    await _demo_week(sessions, box)

    usage = docs.check("/usage", await admin.get("/usage"))
    [turn] = usage["items"]
    assert (turn["model"], turn["prompt_tokens"], turn["completion_tokens"]) == ("gemini-2.5-flash", 1200, 80)
    assert turn["credits"] > 0
    assert float(turn["cost"]) > 0
    same = await admin.get(f"/usage?conversation_id={turn['conversation_id']}")
    assert same.body["items"] == [turn]

    purchases = docs.check("/conversions", await admin.get("/conversions?outcome=purchased"))
    assert [(c["external_order_id"], c["value"], c["currency"]) for c in purchases["items"]] == [
        ("demo-1003", "24.00", "EUR"),
        ("demo-1001", "34.00", "EUR"),
    ]
    everything = (await admin.get("/conversions")).body["items"]
    assert {c["outcome"] for c in everything} == {"purchased", "visited", "abandoned", "did_nothing"}
    one = await admin.get(f"/conversions/{purchases['items'][1]['id']}")
    assert docs.check("/conversions/{conversion_id}", one) == purchases["items"][1]
    assert one.body["first_touch"]["source"] == "ad"

    ratings = (await admin.get("/feedback")).body["items"]
    assert sorted(r["rating"] for r in ratings) == [3, 4, 5]


async def test_the_report_counts_the_demo_weeks_sales(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> None:
    docs = await Documented.of(admin)
    await _demo_week(sessions, box)

    report = docs.check("/analytics", await admin.get("/analytics"))

    assert report["tenant_slug"] == "demo"
    assert (report["purchases"], report["revenue"]) == (2, {"EUR": "58.00"})
    assert {line["label"] for line in report["revenue_by_source"]} == {"Online shop", "Coffee subscriptions"}
    assert (report["csat"]["responses"], report["csat"]["distribution"]["5"]) == (3, 1)
    assert report["usage"]["llm_calls"] == 1

    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    window = docs.check("/analytics", await admin.get(f"/analytics?since=2020-01-01&until={tomorrow}"))
    assert (window["purchases"], window["period"]["since"][:10]) == (2, "2020-01-01")
    before_it = await admin.get("/analytics?since=2020-01-01&until=2020-02-01")
    assert (before_it.body["purchases"], before_it.body["revenue"]) == (0, {})


async def test_another_tenant_sees_none_of_the_demo_week(
    admin: AdminApi, other_admin: AdminApi, sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> None:
    await _demo_week(sessions, box)
    conversion_id = (await admin.get("/conversions")).body["items"][0]["id"]

    assert (await other_admin.get(f"/conversions/{conversion_id}")).status == 404
    for path in ("/conversions", "/usage", "/credits/ledger?kind=grant", "/feedback"):
        reply = await other_admin.get(path)
        assert (reply.status, reply.body["items"]) == (200, []), path
    theirs = (await other_admin.get("/analytics")).body
    assert (theirs["tenant_slug"], theirs["purchases"], theirs["revenue"]) == ("other-shop", 0, {})
    assert (await other_admin.get("/credits")).body["plan"]["code"] == "free"


async def test_bad_periods_and_filters_are_refused_naming_the_parameter(admin: AdminApi) -> None:
    for path, field in [
        ("/analytics?since=yesterday", "since"),
        ("/analytics?until=2024-02-30", "until"),
        ("/analytics?until=9999-12-31", "until"),
        ("/analytics?since=2024-05-01&until=2024-04-01", "until"),
        ("/analytics?from=2024-05-01", "from"),
        ("/conversions?outcome=refunded", "outcome"),
        ("/conversions?customer_id=-1", "customer_id"),
        ("/credits/ledger?kind=gift", "kind"),
        ("/usage?conversation_id=x", "conversation_id"),
    ]:
        refused = await admin.get(path)
        assert (refused.status, refused.error["field"]) == (422, field), (path, refused.body)


async def _demo_week(sessions: async_sessionmaker[AsyncSession], box: CredentialBox) -> None:
    async with transaction(sessions) as session:
        await seed_demo(session, box, sales=True)
