"""The benchmark's figures across runs, as a terminal table and as bench/REPORT.md with its chart."""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.chart import write_chart
from bench.stats import Spread, ratio

ANCHORS = ("bare", "naive")
LIBRARIES = ("aiohttp", "SQLAlchemy", "aiosqlite", "httpx", "google-genai", "pydantic")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    scale: float
    # Where it comes from in a run's result: (phase, name), or (None, name) at the top level.
    source: tuple[str | None, str]
    higher_is_better: bool = False


FIGURES = (
    Figure("rate", "throughput at peak (closed loop)", "/s", 1, ("closed", "rate"), higher_is_better=True),
    Figure("ack_p50_peak", "webhook ack p50 at peak", "ms", 1000, ("closed", "ack_p50")),
    Figure("ack_p99_peak", "webhook ack p99 at peak", "ms", 1000, ("closed", "ack_p99")),
    Figure("e2e_p50_peak", "end-to-end p50 at peak", "ms", 1000, ("closed", "e2e_p50")),
    Figure("e2e_p99_peak", "end-to-end p99 at peak", "ms", 1000, ("closed", "e2e_p99")),
    Figure("ack_p50_half", "webhook ack p50 at 50 % of peak", "ms", 1000, ("open", "ack_p50")),
    Figure("ack_p99_half", "webhook ack p99 at 50 % of peak", "ms", 1000, ("open", "ack_p99")),
    Figure("e2e_p50_half", "end-to-end p50 at 50 % of peak", "ms", 1000, ("open", "e2e_p50")),
    Figure("e2e_p99_half", "end-to-end p99 at 50 % of peak", "ms", 1000, ("open", "e2e_p99")),
    Figure("cpu_per_turn", "server CPU per turn (request)", "ms", 1000, ("closed", "cpu_per_turn")),
    Figure("rss", "server RSS at the end", "MB", 1 / 1e6, (None, "rss")),
    Figure("peak_rss", "server peak RSS", "MB", 1 / 1e6, (None, "peak_rss")),
)
COUNTS = ("sent", "answered", "lost", "duplicates", "out_of_order", "refused", "unknown")


@dataclass
class Results:
    plan: dict[str, Any]
    started: datetime.datetime
    load_at_start: tuple[float, float, float]
    pinning: str = ""
    finished: datetime.datetime | None = None
    load_at_end: tuple[float, float, float] | None = None
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, scenario: str, outcome: dict[str, Any]) -> None:
        self.runs.setdefault(scenario, []).append(outcome)

    def spread(self, scenario: str, figure: Figure) -> Spread:
        phase, name = figure.source
        samples = []
        for outcome in self.runs.get(scenario, []):
            holder = outcome if phase is None else outcome.get(phase)
            value = holder.get(name) if holder else None
            samples.append(math.nan if value is None else float(value) * figure.scale)
        return Spread.of(samples)

    def count(self, scenario: str, name: str) -> int:
        return sum(int(outcome["accounting"][name]) for outcome in self.runs.get(scenario, []))


def _number(value: float) -> str:
    if math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.3f}x" if value < 0.1 else f"{value:.2f}x"


def _cell(spread: Spread) -> str:
    if math.isnan(spread.median):
        return "-"
    if spread.low == spread.high:
        return _number(spread.median)
    return f"{_number(spread.median)} ({_number(spread.low)}-{_number(spread.high)})"


def figures_table(results: Results) -> list[str]:
    scenarios = list(results.runs)
    lines = [
        "| figure | " + " | ".join(scenarios) + " |",
        "| --- | " + " | ".join("---:" for _ in scenarios) + " |",
    ]
    for figure in FIGURES:
        cells = [_cell(results.spread(scenario, figure)) for scenario in scenarios]
        lines.append(f"| {figure.label} ({figure.unit}) | " + " | ".join(cells) + " |")
    return lines


def ratios_table(results: Results) -> list[str]:
    anchors = [a for a in ANCHORS if a in results.runs]
    subjects = [s for s in results.runs if s not in ANCHORS]
    if not anchors or not subjects:
        return []
    header = [f"{s} / {a}" for s in subjects for a in anchors]
    lines = [
        "| figure | " + " | ".join(header) + " |",
        "| --- | " + " | ".join("---:" for _ in header) + " |",
    ]
    for figure in FIGURES:
        cells = [
            _ratio(ratio(results.spread(s, figure).median, results.spread(a, figure).median))
            for s in subjects
            for a in anchors
        ]
        lines.append(f"| {figure.label} | " + " | ".join(cells) + " |")
    return lines


def accounting_table(results: Results) -> list[str]:
    lines = ["| scenario (all runs) | " + " | ".join(COUNTS) + " |", "| --- |" + " ---: |" * len(COUNTS)]
    for scenario in results.runs:
        if scenario in ANCHORS:
            continue
        lines.append(
            f"| {scenario} | " + " | ".join(f"{results.count(scenario, n):,}" for n in COUNTS) + " |"
        )
    return lines


def headline(results: Results) -> list[str]:
    """The figures issue 9 sets targets for, as ratios."""
    rate = next(f for f in FIGURES if f.key == "rate")
    ack_half = next(f for f in FIGURES if f.key == "ack_p99_half")
    lines = []
    if "offline" in results.runs and "naive" in results.runs:
        value = ratio(results.spread("offline", rate).median, results.spread("naive", rate).median)
        lines.append(f"- offline engine turns/s = **{_ratio(value)}** the naive anchor's requests/s")
    if "offline" in results.runs:
        ack = results.spread("offline", ack_half)
        lines.append(f"- offline engine webhook ack p99 at 50 % of peak: **{_number(ack.median)} ms**")
    if "gemini:1" in results.runs and "gemini:0" in results.runs:
        value = ratio(results.spread("gemini:1", rate).median, results.spread("gemini:0", rate).median)
        lines.append(f"- with Gemini answering after 1 s, turns/s = **{_ratio(value)}** those with 0 s")
    if "pg:1" in results.runs and "pg:2" in results.runs:
        value = ratio(results.spread("pg:2", rate).median, results.spread("pg:1", rate).median)
        lines.append(f"- PostgreSQL, `--workers 2` vs `--workers 1`: turns/s = **{_ratio(value)}**")
    lost = sum(results.count(s, "lost") + results.count(s, "duplicates") for s in results.runs)
    lines.append(f"- lost plus duplicate replies over every run: **{lost}**")
    return lines


def machine(results: Results) -> list[str]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{total_kb / 2**20:.0f} GiB"
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    end = " ".join(f"{x:.2f}" for x in results.load_at_end) if results.load_at_end else "?"
    return [
        f"- date: {results.started:%Y-%m-%d %H:%M} UTC to {(results.finished or results.started):%H:%M} UTC",
        f"- CPU: {os.cpu_count()} cores, {model}; RAM {memory}; {platform.system()} {platform.release()}",
        f"- pinning: {results.pinning}",
        f"- Python {sys.version.split()[0]}; " + ", ".join(versions),
        f"- load average at start: {' '.join(f'{x:.2f}' for x in results.load_at_start)} (1, 5, 15 min); "
        f"at the end: {end}",
        f"- command: `python -m bench.load {' '.join(results.plan.get('argv', []))}`",
    ]


def terminal_summary(results: Results) -> str:
    return "\n".join(["", *figures_table(results), "", *ratios_table(results), "", *headline(results)])


def write_outputs(results: Results, report: Path, chart: Path, raw: Path | None, *, png: bool = True) -> str:
    """Write the report, the chart (SVG, and PNG when a browser is there) and the raw JSON; the summary."""
    picture = write_chart(results, chart, png=png)
    if raw is not None:
        raw.write_text(json.dumps({"plan": results.plan, "runs": results.runs}, indent=1, default=str))
    plan = results.plan
    chart_line = f"![throughput and latency]({(picture or chart).name})"
    text = [
        "# Load benchmark",
        "",
        "Written by `make bench` (`python -m bench.load`); do not edit by hand. "
        + ("**Quick mode**: one short run, figures are indicative only. " if plan["quick"] else "")
        + f"Each figure is the median of {plan['runs']} run(s), with the lowest and highest in brackets.",
        "",
        chart_line,
        "",
        "## Headline (ratios to the anchors measured in the same invocation)",
        "",
        *headline(results),
        "",
        "## Machine",
        "",
        *machine(results),
        "",
        "The machine is shared: other work running at the same time (see the load average) makes every",
        "figure noisy, the anchors' included; the ratios, measured side by side and interleaved run by run,",
        "are steadier than the absolute numbers.",
        "",
        "## Figures",
        "",
        *figures_table(results),
        "",
        "## Ratios to the anchors (median over median; for latency, CPU and memory lower is better)",
        "",
        *ratios_table(results),
        "",
        "## Replies at the fake platform",
        "",
        *accounting_table(results),
        "",
        "## Method",
        "",
        _method(plan),
    ]
    report.write_text("\n".join(text) + "\n")
    return terminal_summary(results) + f"\n\nbench: wrote {report} and {picture or chart}"


def _method(plan: dict[str, Any]) -> str:
    server_env = ", ".join(f"`{k}={v}`" for k, v in plan["server_env"]) or "none (the defaults)"
    return f"""\
- **Scenarios**: `bare` (an aiohttp handler that reads the body and answers 200), `naive` (an aiohttp
  handler doing one SQLAlchemy-async INSERT and commit per request, aiosqlite, WAL), `offline` (`chatbot
  serve`, SQLite, the offline engine), `gemini:<s>` (the same with a fake Gemini that answers every
  request after `<s>` seconds), `pg:<n>` (`chatbot serve --workers <n>`, the offline engine, on
  PostgreSQL: <n> processes on one port with SO_REUSEPORT). Extra server settings: {server_env}.
- **Setup of each run**: a copy of a freshly migrated SQLite database with the demo tenant, a
  Messenger channel and credits for every LLM turn (`chatbot db upgrade`, `chatbot demo`, `chatbot
  channel add`, `chatbot credits grant`), the server started as
  `python -m bot serve` on 127.0.0.1, its Graph API a fake in its own process that records each reply's
  arrival. The load generator runs in its own process and signs every webhook (`X-Hub-Signature-256`).
  For `pg:<n>`: a throwaway database on the PostgreSQL server at 127.0.0.1:5432 (user postgres), copied
  per run from a template database prepared the same way (`CREATE DATABASE ... TEMPLATE`) and dropped
  after it; the server's processes are pinned to <n> CPUs while one is left for the generator and the
  fakes, else to every CPU: on a 2-CPU machine `pg:1` runs on CPU 0 and `pg:2` on both CPUs, which it
  shares with the load generator, the fakes and PostgreSQL (never pinned: a system service), so `pg:2`
  shows what a second process buys on this machine, not what two dedicated cores would.
  The counts of lost, duplicate and out-of-order replies hold across processes as within one.
- **Closed loop** ({plan["duration"]:g} s, the first {plan["warmup"]:g} s not counted):
  {plan["conversations"]:,} conversations, each keeping {plan["burst"]} message(s) waiting for a reply and
  sending the next when one arrives at the fake platform; the anchors (which send no reply) keep
  {plan["connections"]} requests in flight. Throughput is replies (anchors: acknowledged requests) per
  second; end-to-end latency is from the webhook's POST to the reply's arrival at the fake platform; at
  peak it is mostly queueing.
- **Open loop** ({plan["open_duration"]:g} s): webhooks at 50 % of the closed loop's rate, spread evenly
  over the conversations; then the generator waits until every message is answered (or a timeout).
- **Replies**: each question has a distinct answer (learnt at the start of each run), so every reply is
  matched to the message it answers: lost (never answered), duplicates (answered twice), out of order
  (answered before an earlier message of its conversation), refused (webhook not answered 200),
  unknown (a reply that answers none of the questions).
- **CPU and memory**: user+system CPU of the server process (with `--workers`: the supervisor and
  its processes, summed) from `/proc/<pid>/stat` during the counted closed-loop window, divided by the
  turns completed in it; RSS and peak RSS (summed likewise) from `/proc/<pid>/status`. PostgreSQL's own
  CPU and memory are not counted.
- The generator shares one CPU with the fakes; the bare anchor's figure is bounded by the generator, so
  read it as a ceiling of what this harness can measure rather than as aiohttp's limit."""
