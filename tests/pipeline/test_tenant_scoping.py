"""Every query the running server makes on a tenant-owned table names the tenant.

Traffic runs through the real app (webhooks on all three platforms, replies, delivery statuses, echoes,
a command), every statement our code executes is captured, and each one that reads or changes a
tenant-owned table must carry that table's ``tenant_id``. (The ORM's own flush of changed rows updates
them by primary key; those rows were loaded by tenant.) The few lookups that find the tenant in the
first place are listed below with the reason they cannot name it.
"""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from bot.web.app_keys import RUNTIME
from storage.models import Base
from tests.support.platforms import World, payload

TENANT_OWNED = {table.name for table in Base.metadata.sorted_tables if "tenant_id" in table.columns}

# Statements allowed to span tenants, each by a pattern that matches it and nothing else.
CROSS_TENANT = {
    # The unguessable webhook key is what identifies the tenant of an inbound request.
    "webhook key lookup": re.compile(r"FROM channels\s+WHERE channels\.webhook_key = "),
    # A worker serves every tenant's queue: the claim picks due rows of all tenants, and marks them.
    "inbox claim": re.compile(
        r"FROM inbound_events\s+WHERE \(inbound_events\.status = .* ORDER BY inbound_events\.id", re.S
    ),
    "outbox claim": re.compile(r"FROM outbox\s+WHERE \(outbox\.status = .* ORDER BY outbox\.id", re.S),
    "claim marks": re.compile(
        r"^UPDATE (inbound_events|outbox) SET .* WHERE (inbound_events|outbox)\.id IN ", re.S
    ),
    # Inserts carry the tenant in their values.
    "inserts": re.compile(r"^INSERT INTO "),
}

TABLE_IN_STATEMENT = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+AS\s+(\w+))?", re.I)


def unscoped(statement: str) -> list[str]:
    """Tenant-owned tables (by name or alias) the statement touches without their tenant_id."""
    missing = []
    for table, alias in TABLE_IN_STATEMENT.findall(statement):
        if table not in TENANT_OWNED:
            continue
        name = alias or table
        if (f"{name}.tenant_id" not in statement and not statement.startswith(f"UPDATE {table} SET")) or (
            statement.startswith(f"UPDATE {table} SET") and "tenant_id" not in statement.split("WHERE", 1)[-1]
        ):
            missing.append(name)
    return missing


async def test_no_query_on_a_tenant_owned_table_goes_without_the_tenant(world: World) -> None:
    statements: list[str] = []
    server_db = world.client.app[RUNTIME].db.sync_engine

    def record(state: ORMExecuteState) -> None:
        # Statements the server's code wrote (the ORM's own flush of rows it loaded by tenant is not one
        # of them, nor are this test's own queries on its separate engine).
        if state.session.get_bind() is server_db:
            statements.append(" ".join(str(state.statement.compile(dialect=server_db.dialect)).split()))

    event.listen(Session, "do_orm_execute", record)
    for platform, fixture in (
        ("messenger", "text.json"),
        ("whatsapp", "text.json"),
        ("groupme", "user_mention.json"),
        ("groupme", "command.json"),
    ):
        assert (await world.post(platform, payload(platform, fixture))).status == 200
    await world.settled()
    for platform, fixture in (
        ("messenger", "delivery.json"),
        ("messenger", "read.json"),
        ("messenger", "echo.json"),
        ("whatsapp", "status_delivered.json"),
        ("messenger", "postback.json"),
    ):
        assert (await world.post(platform, payload(platform, fixture))).status == 200
    await world.settled()
    event.remove(Session, "do_orm_execute", record)

    assert len(statements) > 50
    offending = {}
    for statement in statements:
        if any(pattern.search(statement) for pattern in CROSS_TENANT.values()):
            continue
        missing = unscoped(statement)
        if missing:
            offending[statement[:300]] = missing
    assert offending == {}
