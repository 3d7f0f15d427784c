"""A tenant's report on the fixture dataset: every figure equals the one computed by hand from the file,
for several periods, and nothing of the other tenant ever counts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.analytics.figures import Period, TenantReport, report_as_json
from bot.analytics.report_builder import UnknownTenant, build_report
from storage.db import read_only, transaction
from storage.models import Conversion, Customer, Feedback, Handoff
from tests.analytics.fixture_loading import LoadedIds, fixture_data, load_fixture
from tests.analytics.hand_figures import hand_figures

MARCH = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
PERIODS = {
    "march": MARCH,
    "all time": Period(),
    "from mid-march": Period(since=datetime(2026, 3, 12, tzinfo=UTC)),
    "until march": Period(until=datetime(2026, 3, 1, tzinfo=UTC)),
    "one week": Period(datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)),
}
# What identifies rows in the database rather than in the fixture file.
DATABASE_KEYS = {"bot_id", "group_id", "tenant_id", "tenant_slug", "tenant_name", "period"}


@pytest.fixture
async def loaded(sessions: async_sessionmaker[AsyncSession]) -> LoadedIds:
    async with transaction(sessions) as session:
        return await load_fixture(session, fixture_data())


async def report_for(
    sessions: async_sessionmaker[AsyncSession], tenant_id: int, period: Period, **options: Any
) -> TenantReport:
    async with read_only(sessions) as session:
        return await build_report(session, tenant_id, period, **options)


def comparable(value: Any) -> Any:
    """The report's JSON without database ids, floats rounded (SQL averages may differ in the last bits)."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in DATABASE_KEYS}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, float | int) and not isinstance(value, bool):
        return round(float(value), 9)
    return value


@pytest.mark.parametrize("name", PERIODS)
async def test_every_figure_matches_the_hand_computed_one(
    sessions: async_sessionmaker[AsyncSession], loaded: LoadedIds, name: str
) -> None:
    period = PERIODS[name]

    report = await report_for(sessions, loaded.tenants["harbour"], period)

    expected = hand_figures(fixture_data(), "harbour", period.since, period.until)
    assert comparable(report_as_json(report)) == comparable(expected)


async def test_march_figures_are_the_ones_worked_out_on_paper(
    sessions: async_sessionmaker[AsyncSession], loaded: LoadedIds
) -> None:
    # A few figures checked against the README's arithmetic, so that the hand computation cannot
    # share a mistake with the queries unnoticed.
    report = await report_for(sessions, loaded.tenants["harbour"], MARCH)

    bean, sprout, idle = report.bots
    assert (bean.name, bean.handled_conversations, bean.purchases, bean.visits) == ("Bean", 6, 4, 1)
    assert bean.conversion_rate == pytest.approx(4 / 6)
    assert bean.revenue == {"EUR": Decimal("20.00"), "USD": Decimal("73.00")}
    assert (bean.credits_used, bean.credit_cost_usd) == (4, Decimal("0.04"))
    assert bean.roi == {"EUR": Decimal("500.00"), "USD": Decimal("1825.00")}
    assert (sprout.handled_conversations, sprout.purchases, sprout.conversion_rate) == (4, 3, 0.75)
    assert sprout.roi == {"EUR": Decimal("241.67"), "USD": Decimal("1916.67")}
    assert (idle.handled_conversations, idle.conversion_rate, idle.roi) == (0, None, None)
    assert report.revenue == {"EUR": Decimal("27.25"), "USD": Decimal("170.50")}
    assert report.unattributed_revenue == {"USD": Decimal("40.00")}
    assert [(line.label, line.purchases) for line in report.revenue_by_source] == [
        ("checkout", 4),
        ("subscriptions", 2),
        ("(no source)", 1),
        ("affiliate-grinders", 1),
    ]
    assert [(line.label, line.purchases) for line in report.revenue_by_intent] == [
        ("purchase_intent", 5),
        ("(no intent)", 1),
        ("pricing", 1),
        ("product_inquiry", 1),
    ]
    assert [(line.label, line.purchases) for line in report.revenue_by_campaign] == [
        ("(no campaign)", 4),
        ("Spring beans", 2),
        ("ad ad-200", 2),
    ]
    assert [(s.stage, s.customers) for s in report.funnel] == [
        ("intake", 3), ("nurture", 2), ("convert", 1), ("qualified", 1), ("unqualified", 1), ("lost", 1),
    ]  # fmt: skip
    handoffs = report.handoffs
    assert (handoffs.handled_conversations, handoffs.handed_off_conversations) == (10, 4)
    assert (handoffs.requested, handoffs.claimed) == (5, 4)
    assert (handoffs.claim_seconds_median, handoffs.claim_seconds_p90) == (420.0, 1800.0)
    assert report.containment.ended_conversations == 7
    assert report.containment.contained_conversations == 4
    assert (report.csat.responses, report.csat.mean_rating) == (4, 4.0)
    assert report.csat.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 2}
    club, quiet = report.groups
    assert (club.name, club.members, club.paid_subscribers, club.active_members) == ("Coffee Club", 3, 2, 2)
    assert (club.interactions, club.purchases, club.revenue) == (3, 1, {"USD": Decimal("18.00")})
    assert club.mean_engagement == pytest.approx((3.5 + 1.0 + 0.4) / 3)
    assert (quiet.name, quiet.members, quiet.mean_engagement) == ("group g-quiet", 0, None)
    assert (report.usage.llm_calls, report.usage.credits_used) == (8, 8)
    assert report.usage.recorded_cost_usd == Decimal("0.008600")


async def test_the_other_tenant_sees_only_its_own_rows(
    sessions: async_sessionmaker[AsyncSession], loaded: LoadedIds
) -> None:
    report = await report_for(sessions, loaded.tenants["other"], MARCH)

    assert comparable(report_as_json(report)) == comparable(
        hand_figures(fixture_data(), "other", MARCH.since, MARCH.until)
    )
    assert [b.name for b in report.bots] == ["Bean"]
    assert report.revenue == {"EUR": Decimal("70.00"), "USD": Decimal("580.00")}
    assert report.csat.distribution[1] == 1
    assert [g.members for g in report.groups] == [1]


async def test_rows_added_for_another_tenant_change_nothing(
    sessions: async_sessionmaker[AsyncSession], loaded: LoadedIds
) -> None:
    before = report_as_json(await report_for(sessions, loaded.tenants["harbour"], MARCH))
    other = loaded.tenants["other"]
    now = datetime(2026, 3, 20, tzinfo=UTC)
    async with transaction(sessions) as session:
        # Rows of the other tenant, two of them pointing at harbour's own bot turn and conversation (a
        # sale and a rating): a join that forgot the tenant would lend them harbour's bot or figures.
        session.add_all(
            [
                Conversion(
                    tenant_id=other,
                    message_id=loaded.messages["c02-4"],
                    outcome="purchased",
                    value=Decimal("1000.00"),
                    currency="USD",
                    occurred_at=now,
                ),
                Handoff(
                    tenant_id=other,
                    conversation_id=loaded.conversations["o02"],
                    reason="x",
                    trigger="agent",
                    requested_at=now,
                    accepted_at=now,
                ),
                Feedback(tenant_id=other, conversation_id=loaded.conversations["c14"], rating=1),
                Customer(
                    tenant_id=other,
                    channel_id=loaded.channels["other-ms"],
                    platform_user_id="newcomer",
                    lead_stage="lost",
                    created_at=now,
                ),
            ]
        )

    after = report_as_json(await report_for(sessions, loaded.tenants["harbour"], MARCH))
    assert after == before
    # The other tenant's own report: the sale counts, but under no bot (it points at no turn of its own).
    theirs = await report_for(sessions, other, MARCH)
    assert theirs.unattributed_revenue == {"USD": Decimal("1080.00")}
    assert [(b.name, b.purchases) for b in theirs.bots] == [("Bean", 2)]


async def test_an_unknown_tenant_is_refused(
    sessions: async_sessionmaker[AsyncSession], loaded: LoadedIds
) -> None:
    with pytest.raises(UnknownTenant):
        await report_for(sessions, 999_999, MARCH)


async def test_roi_follows_the_price_of_a_credit(
    sessions: async_sessionmaker[AsyncSession], loaded: LoadedIds
) -> None:
    report = await report_for(sessions, loaded.tenants["harbour"], MARCH, usd_per_credit=Decimal("0.50"))

    bean = report.bots[0]
    assert bean.credit_cost_usd == Decimal("2.00")
    assert bean.roi == {"EUR": Decimal("10.00"), "USD": Decimal("36.50")}
    assert report.usage.credit_cost_usd == Decimal("4.00")


async def test_an_empty_tenant_reports_zeros_not_errors(
    sessions: async_sessionmaker[AsyncSession], loaded: LoadedIds, demo: object
) -> None:
    async with read_only(sessions) as session:
        slug_id = (await session.execute(text("SELECT id FROM tenants WHERE slug = 'demo'"))).scalar_one()
    report = await report_for(sessions, slug_id, MARCH)

    assert report.purchases == 0
    assert report.revenue == {}
    assert [b.conversion_rate for b in report.bots] == [None]
    assert report.handoffs.claim_seconds_median is None
    assert report.containment.containment_rate is None
    assert report.csat.mean_rating is None
    assert report.csat.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert report.groups == []


# The tables that grow with traffic, and the names the queries give messages: reading one of them by
# the tenant alone walks the tenant's whole history.
GROWING = {"conversations", "messages", "conversions", "customers", "handoffs", "feedback", "usage_logs"}
GROWING |= {"turn", "answered", "touched"}
SMALL = {"bots", "groups", "group_members", "campaigns", "monetization_sources", "tenants"}
TENANT_WIDE = re.compile(r"SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(tenant_id=\?(?: AND rowid.\?)?\)$")


async def statements_of_a_report(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tenant_id: int
) -> list[tuple[str, Any]]:
    """The SELECT statements one report runs, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.sync_engine, "before_cursor_execute", record)
    try:
        await report_for(sessions, tenant_id, MARCH)
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", record)
    assert len(statements) >= 8
    return statements


async def test_every_query_reads_through_an_index_and_never_a_tenants_whole_history(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession], loaded: LoadedIds, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's plans (PostgreSQL's: the next test)")
    statements = await statements_of_a_report(db, sessions, loaded.tenants["harbour"])
    plans = []
    async with db.connect() as conn:
        for statement, parameters in statements:
            plan = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans += [str(row[-1]) for row in plan.all()]
    full_scans = [p for p in plans if p.split()[0] == "SCAN" and p.split()[1] in GROWING | SMALL]
    tenant_wide = [p for p in plans if (m := TENANT_WIDE.match(p)) and m.group(1) in GROWING]
    assert full_scans == []
    assert tenant_wide == []
    assert "SEARCH conversions USING INDEX ix_conversions_tenant_outcome_time" in "\n".join(plans)


async def test_postgresql_reads_every_growing_table_by_a_leading_index_column(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession], loaded: LoadedIds, db_url: str
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's plans (SQLite's: the test above)")
    statements = await statements_of_a_report(db, sessions, loaded.tenants["harbour"])
    reads: list[tuple[str, str]] = []
    async with db.connect() as conn:
        # On tables this small a sequential scan is cheapest; forbidding it shows which index would
        # serve (a table with no usable index is still scanned).
        await conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            plan = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            reads += table_reads(plan.scalar_one()[0]["Plan"])
    # Each growing table is read by its tenant and time, by a conversation, or by primary key: never
    # by a filter over a whole table or a whole index.
    unkeyed = [
        (table, condition)
        for table, condition in reads
        if not re.search(r"\((tenant_id|conversation_id|id) = ", condition)
    ]
    assert {table for table, _ in reads} >= {"conversions", "conversations", "messages", "handoffs"}
    assert unkeyed == []


def table_reads(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(table, index condition) for every read of a growing table in a JSON plan ('' for no index)."""
    found = []
    if node.get("Relation Name") in GROWING:
        conditions = [node.get("Index Cond", "")]
        conditions += [child.get("Index Cond", "") for child in node.get("Plans", [])]
        found.append((node["Relation Name"], " ".join(c for c in conditions if c)))
    for child in node.get("Plans", []):
        found += table_reads(child)
    return found
