"""The report states every figure with its spread and as a ratio to the anchors; the chart is drawn."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from bench.chart import render_svg
from bench.report import Results, write_outputs


def outcome(rate: float, ack_p99: float, lost: int = 0) -> dict[str, Any]:
    phase = {"rate": rate, "ack_p50": ack_p99 / 2, "ack_p99": ack_p99, "e2e_p50": 0.1, "e2e_p99": 0.2}
    accounting = {"sent": 10, "refused": 0, "answered": 10 - lost, "lost": lost}
    accounting |= {"duplicates": 0, "out_of_order": 0, "unknown": 0}
    return {
        "closed": {**phase, "cpu_per_turn": 1 / rate},
        "open": phase,
        "accounting": accounting,
        "rss": 100e6,
        "peak_rss": 120e6,
    }


def results() -> Results:
    plan = {"quick": False, "runs": 3, "duration": 20, "warmup": 3, "open_duration": 15}
    plan |= {"conversations": 1000, "burst": 2, "connections": 100, "server_env": []}
    started = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
    found = Results(plan=plan, started=started, load_at_start=(3.0, 2.5, 2.0), pinning="server on CPU 0")
    for rate in (1000.0, 1200.0, 1400.0):
        found.add("naive", outcome(rate, 0.010))
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


def test_the_chart_has_a_bar_for_every_scenario(tmp_path: Path) -> None:
    svg = render_svg(results())

    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert svg.count(">naive</text>") == 2
    assert svg.count(">offline</text>") == 2
    assert "1,200/s" in svg
    assert "48/s" in svg
