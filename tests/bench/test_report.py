"""The report states every figure with its spread and as a ratio to the anchors; the chart is drawn."""

from __future__ import annotations

import datetime
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.chart import render_svg
from bench.cpu_profile import summarize
from bench.report import Results, write_outputs


def accounting(sent: int, lost: int = 0) -> dict[str, int]:
    counts = {"sent": sent, "refused": 0, "answered": sent - lost, "lost": lost}
    return counts | {"duplicates": 0, "out_of_order": 0, "unknown": 0}


def outcome(rate: float, ack_p99: float, lost: int = 0, conversations: int | None = 100) -> dict[str, Any]:
    phase = {"rate": rate, "ack_p50": ack_p99 / 2, "ack_p99": ack_p99, "e2e_p50": 0.1, "e2e_p99": 0.2}
    return {
        "closed": {**phase, "cpu_per_turn": 1 / rate, "waiting_at_server": 150.0 if conversations else None},
        "open": phase,
        "accounting": accounting(10, lost),
        "rss": 100e6,
        "peak_rss": 120e6,
        "conversations": conversations,
    }


def memory_outcome(rss_mb: float) -> dict[str, Any]:
    samples = [
        {"answered": 200, "rss": 110e6, "peak_rss": 111e6},
        {"answered": 1000, "rss": 120e6, "peak_rss": 121e6},
        {"answered": 2000, "rss": 125e6, "peak_rss": 126e6},
    ]
    memory = {"conversations": 2500, "started": 2500, "answered": 2500, "seconds": 80.0, "rate": 31.25}
    memory |= {"in_flight": 200, "samples": samples}
    return {
        "closed": None,
        "open": None,
        "memory": memory,
        "accounting": accounting(2500),
        "rss": rss_mb * 1e6,
        "peak_rss": (rss_mb + 2) * 1e6,
        "conversations": 100,
    }


def results() -> Results:
    plan = {"quick": False, "runs": 3, "duration": 20, "warmup": 3, "open_duration": 15}
    plan |= {"conversations": 100, "llm_conversations": 1000, "memory_conversations": 2500}
    plan |= {"burst": 2, "connections": 100, "server_env": []}
    started = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
    found = Results(plan=plan, started=started, load_at_start=(3.0, 2.5, 2.0), pinning="server on CPU 0")
    for rate in (1000.0, 1200.0, 1400.0):
        found.add("naive", outcome(rate, 0.010, conversations=None))
    for rate in (40.0, 48.0, 50.0):
        found.add("offline", outcome(rate, 0.050, lost=1))
    return found


def test_the_report_gives_median_min_max_and_ratios(tmp_path: Path) -> None:
    summary = write_outputs(results(), tmp_path / "REPORT.md", tmp_path / "chart.svg", None, png=False)

    report = (tmp_path / "REPORT.md").read_text()
    assert "| throughput at peak (closed loop) (/s) | 1,200 (1,000-1,400) | 48.0 (40.0-50.0) |" in report
    # 48 turns/s over the naive anchor's 1,200 requests/s; ack p99 50 ms over 10 ms.
    assert "offline engine turns/s = **0.040x** the naive anchor's requests/s" in report
    assert "| webhook ack p99 at peak | 5.00x |" in report
    assert "| offline | 30 | 27 | 3 | 0 | 0 | 0 | 0 |" in report  # lost summed over the runs
    assert "load average at start: 3.00 2.50 2.00" in report
    assert "![throughput and latency](chart.svg)" in report
    assert "0.040x" in summary
    assert "(goal >= 0.35x: **not reached**, 11% of it)" in report
    assert "ack p99 at 50 % of peak: **50.0 ms** (goal <= 50 ms: reached)" in report
    assert "| conversations in the closed loop | - | 100 |" in report
    assert "| messages waiting at the server, closed loop (mean) | - | 150 |" in report


def test_the_gemini_ratio_compares_runs_with_the_same_number_of_conversations(tmp_path: Path) -> None:
    found = results()
    for rate in (20.0, 21.0):
        found.add("gemini:0", outcome(rate, 0.1, conversations=1000))
        found.add("gemini:1", outcome(rate * 0.75, 0.1, conversations=1000))

    write_outputs(found, tmp_path / "REPORT.md", tmp_path / "chart.svg", None, png=False)

    report = (tmp_path / "REPORT.md").read_text()
    assert (
        "turns/s = **0.75x** those with 0 s (goal >= 0.8x: **not reached**, 94% of it); "
        "both with 1,000 conversations, 150 messages waiting at the server on average with 1 s"
    ) in report
    assert "in both `gemini:<s>` scenarios" in report

    found.runs["gemini:0"][0]["conversations"] = 100
    write_outputs(found, tmp_path / "REPORT.md", tmp_path / "chart.svg", None, png=False)

    assert (
        "**not comparable**: the runs had different numbers of conversations ([100, 1000])"
        in (tmp_path / "REPORT.md").read_text()
    )


def test_memory_after_many_conversations_is_set_against_its_goal(tmp_path: Path) -> None:
    found = results()
    found.add("memory", memory_outcome(162.0))

    write_outputs(found, tmp_path / "REPORT.md", tmp_path / "chart.svg", None, png=False)

    report = (tmp_path / "REPORT.md").read_text()
    assert (
        "server RSS after 2,500 conversations (one message each) through `chatbot serve`: **162 MB** "
        "(goal <= 150 MB: **not reached**, 12 MB over it); peak 164 MB, 110 MB after the first 200"
    ) in report
    assert "| conversations answered | 200 | 1,000 | 2,000 | 2,500 |" in report
    assert "| RSS (MB) | 110 | 120 | 125 | 162 |" in report
    assert "| memory | 2,500 | 2,500 | 0 | 0 | 0 | 0 | 0 |" in report  # its replies are counted too
    assert "| figure | naive | offline |" in report  # not a column of the load figures
    assert ">memory</text>" not in (tmp_path / "chart.svg").read_text()


def test_the_profile_is_reported_as_shares(tmp_path: Path) -> None:
    found = results()
    stats = {
        ("/x/site-packages/sqlalchemy/orm/session.py", 1, "flush"): (10, 10, 3.0, 3.0, {}),
        ("~", 0, "<method 'poll' of 'select.epoll' objects>"): (5, 5, 4.0, 4.0, {}),
        ("~", 0, "<method 'execute' of 'sqlite3.Cursor' objects>"): (40, 40, 1.0, 1.0, {}),
    }
    found.profile = {**asdict(summarize(stats, turns=20, root=Path("/x"))), "rate": 9.5}

    write_outputs(found, tmp_path / "REPORT.md", tmp_path / "chart.svg", None, png=False)

    report = (tmp_path / "REPORT.md").read_text()
    assert "It answered 20 turns (9.5 turns/s at peak)" in report
    assert "shares, not timings" in report
    assert "(50% of the profiled time) left out" in report
    assert "| SQLAlchemy (with greenlet) | 75.0% | sqlalchemy/orm 75% |" in report
    assert "| `<method 'execute' of 'sqlite3.Cursor' objects>` | sqlite3 | 25.0% | 2.0 |" in report


def test_the_chart_has_a_bar_for_every_scenario(tmp_path: Path) -> None:
    svg = render_svg(results())

    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert svg.count(">naive</text>") == 2
    assert svg.count(">offline</text>") == 2
    assert "1,200/s" in svg
    assert "48/s" in svg
