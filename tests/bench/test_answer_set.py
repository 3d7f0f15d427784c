"""The labelled answer set (tests/data/answers/): well formed, and naming only what the demo tenants have."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from bench.answer_set import (
    FOURTH_ROUND,
    HELD_BACK,
    OFF_TOPIC_PROBE,
    ROUNDS_OF_200,
    ROUTES,
    SECOND_ROUND,
    TENANTS,
    THIRD_ROUND,
    TUNING,
    Expected,
    TenantVocabulary,
    load,
    problems,
    split,
)
from bot.engine.intents.scorer import BUILTIN_INTENTS
from bot.tenancy.demo.seed import DEMO_TENANTS


def vocabulary() -> dict[str, TenantVocabulary]:
    return {
        content.tenant.slug: TenantVocabulary(
            entries=frozenset(entry.question for entry in content.knowledge),
            commands=frozenset(command.command for command in content.commands),
            templates=frozenset(template.name for template in content.templates),
            intents=frozenset(BUILTIN_INTENTS) | {name for name, _ in content.intents},
        )
        for content in DEMO_TENANTS
    }


def test_every_row_names_an_entry_command_or_template_the_seeded_tenant_has() -> None:
    rows = load(TUNING) + load(HELD_BACK)

    assert problems(rows, vocabulary()) == []


def test_the_set_is_large_and_covers_both_tenants_and_every_route() -> None:
    rows = load(TUNING) + load(HELD_BACK)

    assert len(rows) >= 300
    per_tenant = Counter(row.tenant for row in rows)
    assert set(per_tenant) == set(TENANTS)
    assert min(per_tenant.values()) >= 150
    for tenant in TENANTS:
        routes = {row.expect.route for row in rows if row.tenant == tenant}
        assert routes == {"knowledge", "command", "template", "handoff", "clarify", "fallback"}, tenant
        off_topic = sum(row.off_topic for row in rows if row.tenant == tenant)
        assert off_topic >= 0.1 * per_tenant[tenant], tenant


def test_the_files_are_the_written_split_of_their_rows() -> None:
    tuning, held_back = load(TUNING), load(HELD_BACK)
    together = sorted(tuning + held_back, key=lambda row: (row.tenant, row.id))

    assert split(together) == (
        sorted(tuning, key=lambda row: (row.tenant, row.id)),
        sorted(held_back, key=lambda row: (row.tenant, row.id)),
    )
    assert 0.35 <= len(held_back) / len(together) <= 0.45


def test_the_second_round_is_well_formed() -> None:
    rows = load(SECOND_ROUND)

    assert problems(rows, vocabulary()) == []
    assert len(rows) >= 250
    assert {row.tenant for row in rows} == set(TENANTS)
    assert {row.expect.route for row in rows} == set(ROUTES)


def test_the_third_round_is_well_formed() -> None:
    rows = load(THIRD_ROUND)

    assert problems(rows, vocabulary()) == []
    assert len(rows) >= 250
    assert {row.tenant for row in rows} == set(TENANTS)
    assert {row.expect.route for row in rows} == set(ROUTES)


def test_the_fourth_round_is_well_formed_and_covers_every_entry_and_route_of_both_tenants() -> None:
    rows = load(FOURTH_ROUND)
    known = vocabulary()

    assert problems(rows, known) == []
    assert len(rows) == 300
    assert Counter(row.tenant for row in rows) == {"demo": 140, "isp": 160}
    for tenant in TENANTS:
        own = [row for row in rows if row.tenant == tenant]
        assert {row.expect.route for row in own} == set(ROUTES), tenant
        assert {row.expect.entry for row in own if row.expect.entry} == known[tenant].entries, tenant
    assert sum(row.off_topic for row in rows) >= 40


@pytest.mark.parametrize(
    "part", ROUNDS_OF_200, ids=[part.stem.removesuffix("_round") for part in ROUNDS_OF_200]
)
def test_a_later_round_is_well_formed_and_covers_every_entry_and_route_of_both_tenants(part: Path) -> None:
    rows = load(part)
    known = vocabulary()

    assert problems(rows, known) == []
    assert Counter(row.tenant for row in rows) == {"demo": 90, "isp": 110}
    for tenant in TENANTS:
        own = [row for row in rows if row.tenant == tenant]
        assert {row.expect.route for row in own} == set(ROUTES), tenant
        assert {row.expect.entry for row in own if row.expect.entry} == known[tenant].entries, tenant
    assert sum(row.off_topic for row in rows) >= 25


def test_the_off_topic_probe_is_well_formed_and_only_off_topic() -> None:
    rows = load(OFF_TOPIC_PROBE)

    assert problems(rows, vocabulary()) == []
    assert Counter(row.tenant for row in rows) == {"demo": 150, "isp": 150}
    assert all(row.off_topic and row.expect.route == "fallback" and row.intent == "other" for row in rows)
    assert len({row.text.casefold() for row in rows}) == len(rows)


def test_a_misnamed_entry_is_reported() -> None:
    row = next(row for row in load(TUNING) if row.expect.route == "knowledge")
    broken = replace(row, id=row.id + "x", expect=Expected("knowledge", entry="Nope?"))

    assert problems([broken], vocabulary()) == [f"{broken.id}: entry 'Nope?' is not one of the tenant's"]
