"""`python -m bench.load` runs end to end on a tiny load: real `chatbot serve`, fakes, anchor, report.

Sizes are tiny so that the test is quick; it checks that the harness works and counts every reply,
never how fast anything is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load import parse_args, without_unreachable_postgresql
from bench.processes import ROOT, Cpus


def test_a_tiny_run_through_chatbot_serve_and_an_anchor_writes_the_report(tmp_path: Path) -> None:
    args = [
        *("--runs", "1", "--scenarios", "naive,gemini:0,memory", "--conversations", "3"),
        *("--llm-conversations", "3", "--memory-conversations", "8", "--profile"),
        *("--duration", "1.5", "--warmup", "0.5", "--open-duration", "0.5", "--no-png"),
        *("--report", str(tmp_path / "REPORT.md"), "--chart", str(tmp_path / "chart.svg")),
        *("--json", str(tmp_path / "raw.json")),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )

    assert done.returncode == 0, done.stderr[-2000:]
    raw = json.loads((tmp_path / "raw.json").read_text())
    runs = raw["runs"]
    served = runs["gemini:0"][0]
    assert served["questions"] >= 5  # the fake Gemini's answers told the questions apart
    assert served["accounting"]["sent"] >= 6  # three conversations, two messages waiting in each
    assert served["accounting"]["lost"] == served["accounting"]["duplicates"] == 0
    assert served["accounting"]["out_of_order"] == served["accounting"]["unknown"] == 0
    assert runs["naive"][0]["closed"]["turns"] > 0
    memory = runs["memory"][0]
    assert memory["memory"]["answered"] == 8  # eight new conversations, one message each
    assert memory["accounting"]["sent"] == memory["accounting"]["answered"] == 8
    assert memory["rss"] > 0
    # The profiled server stopped gracefully and wrote its statistics: some time went to SQLAlchemy.
    assert raw["profile"]["turns"] > 0
    assert any(g["group"].startswith("SQLAlchemy") and g["share"] > 0 for g in raw["profile"]["groups"])
    report = (tmp_path / "REPORT.md").read_text()
    assert "gemini:0 / naive" in report
    assert "## Memory after 8 conversations" in report
    assert "## Profile of the server (offline scenario)" in report
    assert (tmp_path / "chart.svg").read_text().startswith("<svg")


def test_quick_mode_is_one_short_run_of_the_anchors_the_offline_engine_and_a_little_memory() -> None:
    plan, _ = parse_args(["--quick"])

    assert plan.runs == 1
    assert plan.scenarios == ("bare", "naive", "offline", "memory")
    assert plan.duration + plan.open_duration <= 10
    assert plan.memory_conversations <= 500
    assert not plan.profile


def test_by_default_every_figure_of_the_issue_is_measured() -> None:
    plan, _ = parse_args([])

    assert set(plan.scenarios) == {
        "bare",
        "naive",
        "offline",
        "gemini:0",
        "gemini:1",
        "pg:1",
        "pg:2",
        "memory",
    }
    assert not plan.scenarios_given  # so pg:<n> may be left out when there is no PostgreSQL
    assert plan.memory_conversations == 10_000
    assert plan.profile


def test_without_postgresql_the_default_run_leaves_the_pg_scenarios_out_and_says_so() -> None:
    nowhere = "postgresql://postgres@127.0.0.1:1/postgres"  # nothing listens on port 1
    plan, _ = parse_args(["--pg-url", nowhere])

    kept, notes = without_unreachable_postgresql(plan)

    assert kept.scenarios == ("bare", "naive", "offline", "gemini:0", "gemini:1", "memory")
    assert len(notes) == 1
    assert notes[0].startswith(f"pg:1, pg:2 left out: no PostgreSQL at {nowhere} (ConnectionRefusedError")

    asked, _ = parse_args(["--pg-url", nowhere, "--scenarios", "offline,pg:1"])
    assert without_unreachable_postgresql(asked) == (asked, [])  # named: its run fails instead


def test_both_gemini_scenarios_have_their_own_number_of_conversations() -> None:
    plan, _ = parse_args([])

    assert plan.conversations_for("gemini:0") == plan.conversations_for("gemini:1") == 1000
    assert plan.conversations_for("offline") == plan.conversations_for("pg:2") == 100

    plan, _ = parse_args(["--conversations", "50", "--llm-conversations", "300", "--no-profile"])

    assert (plan.conversations_for("gemini:1"), plan.conversations_for("offline")) == (300, 50)
    assert not plan.profile


def test_unknown_scenarios_and_settings_are_refused() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--scenarios", "offline,turbo"])
    with pytest.raises(SystemExit):
        parse_args(["--scenarios", "memory:5"])
    with pytest.raises(SystemExit):
        parse_args(["--server-env", "WORKERS=2"])


def test_postgresql_scenarios_name_their_number_of_server_processes() -> None:
    plan, _ = parse_args(
        ["--scenarios", "pg:1,pg:2", "--pg-url", "postgresql://postgres@127.0.0.1:5432/postgres"]
    )

    assert plan.scenarios == ("pg:1", "pg:2")
    for wrong in ("pg:0", "pg:x", "pg"):
        with pytest.raises(SystemExit):
            parse_args(["--scenarios", wrong])


def test_a_server_of_n_processes_gets_n_cpus_while_one_is_left_for_the_helpers() -> None:
    four = Cpus(frozenset({0}), frozenset({1, 2, 3}), frozenset({0, 1, 2, 3}))
    two = Cpus(frozenset({0}), frozenset({1}), frozenset({0, 1}))

    assert four.for_server(1) == {0}
    assert four.for_server(2) == {0, 1}
    assert two.for_server(1) == {0}
    assert two.for_server(2) == {0, 1}  # all of them, shared with the generator and the fakes
    assert Cpus(None, None).for_server(2) is None
