"""`python -m bench.answers` on a few rows of the answer set: it seeds, decides and reports (no timings).

Only tuning rows are used here: the held-back part is read by the benchmark and the shape test alone.
"""

from __future__ import annotations

from dataclasses import replace

from bench.answer_set import TUNING, load
from bench.answers import measure, report


async def test_typed_commands_of_both_tenants_are_decided_right_and_reported() -> None:
    rows = {(row.tenant, row.text): row for row in load(TUNING)}
    parts = {
        "held_back": [rows[("demo", "!price")], rows[("isp", "!plans")]],
        "tuning": [rows[("isp", "!status")]],
    }

    outcomes, normal_ms, big_ms, big_size = await measure(parts, rounds=1, big_knowledge_base=80)

    assert [(o.row.text, o.decision.route, o.right) for o in outcomes["held_back"]] == [
        ("!price", "command", True),
        ("!plans", "command", True),
    ]
    assert [(o.row.text, o.right) for o in outcomes["tuning"]] == [("!status", True)]
    assert big_size == 80
    text = report(outcomes, normal_ms, big_ms, big_size, rounds=1)
    assert "## Held-back part (the reported figure): 2 messages" in text
    assert "- **Right answer: 100.0 % (2/2)**" in text
    assert "| tenant | isp | 1 | 1 | 100.0 % |" in text
    assert text.index("Held-back part") < text.index("Tuning part")
    assert "Per offline decision with a 80-entry knowledge base" in text


async def test_a_wrong_command_counts_as_wrong() -> None:
    rows = {(row.tenant, row.text): row for row in load(TUNING)}
    asked = rows[("demo", "!price")]
    # The ISP has no !price: its customer typing it does not get the coffee prices.
    moved = replace(asked, tenant="isp")

    outcomes, *_ = await measure({"held_back": [moved], "tuning": []}, rounds=1, big_knowledge_base=70)

    (outcome,) = outcomes["held_back"]
    # It may get the ISP's own price list (a pricing question), never the coffee shop's.
    assert "House Blend" not in " ".join(reply.text for reply in outcome.decision.replies)
    assert not outcome.right
