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
from bench.cpu_profile import ProfileSummary, profile_tables
from bench.stats import Spread, ratio

ANCHORS = ("bare", "naive")
# The scenario whose figure is a size after many conversations, not a rate: it has a section of its own.
MEMORY = "memory"
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
    compared: bool = True  # shown as a ratio to the anchors
    whole: bool = False  # a count, shown without decimals


FIGURES = (
    Figure(
        "conversations",
        "conversations in the closed loop",
        "",
        1,
        (None, "conversations"),
        compared=False,
        whole=True,
    ),
    Figure(
        "waiting",
        "messages waiting at the server, closed loop (mean)",
        "",
        1,
        ("closed", "waiting_at_server"),
        compared=False,
        whole=True,
    ),
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


@dataclass(frozen=True)
class Goal:
    """A target the issue sets for a figure: at least (or at most) ``value``."""

    value: float
    at_least: bool
    unit: str = ""

    def verdict(self, measured: float) -> str:
        sign = ">=" if self.at_least else "<="
        target = f"goal {sign} {_goal_number(self.value)}{self.unit}"
        if math.isnan(measured):
            return f"{target}: not measured"
        if (measured >= self.value) if self.at_least else (measured <= self.value):
            return f"{target}: reached"
        if self.at_least:
            return f"{target}: **not reached**, {measured / self.value:.0%} of it"
        return f"{target}: **not reached**, {_goal_number(measured - self.value)}{self.unit} over it"


def _goal_number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


OFFLINE_VS_NAIVE = Goal(0.35, at_least=True, unit="x")
ACK_P99_HALF = Goal(50, at_least=False, unit=" ms")
GEMINI_1_VS_0 = Goal(0.8, at_least=True, unit="x")
RSS_AFTER_MANY = Goal(150, at_least=False, unit=" MB")


@dataclass
class Results:
    plan: dict[str, Any]
    started: datetime.datetime
    load_at_start: tuple[float, float, float]
    pinning: str = ""
    finished: datetime.datetime | None = None
    load_at_end: tuple[float, float, float] | None = None
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # The profiled run's summary (bench.cpu_profile.ProfileSummary as a dict, with its "rate").
    profile: dict[str, Any] | None = None

    def add(self, scenario: str, outcome: dict[str, Any]) -> None:
        self.runs.setdefault(scenario, []).append(outcome)

    def load_scenarios(self) -> list[str]:
        """The scenarios measured under load (closed and open loops), in the order they ran."""
        return [scenario for scenario in self.runs if scenario != MEMORY]

    def conversations(self, scenario: str) -> set[int]:
        """The numbers of conversations the scenario's runs had (one, unless they differed)."""
        return {int(o["conversations"]) for o in self.runs.get(scenario, []) if o.get("conversations")}

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


def _number(value: float, *, whole: bool = False) -> str:
    if math.isnan(value):
        return "-"
    if whole:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.3f}x" if value < 0.1 else f"{value:.2f}x"


def _cell(spread: Spread, *, whole: bool = False) -> str:
    if math.isnan(spread.median):
        return "-"
    if spread.low == spread.high:
        return _number(spread.median, whole=whole)
    median, low, high = (_number(v, whole=whole) for v in (spread.median, spread.low, spread.high))
    return f"{median} ({low}-{high})"


def figures_table(results: Results) -> list[str]:
    scenarios = results.load_scenarios()
    lines = [
        "| figure | " + " | ".join(scenarios) + " |",
        "| --- | " + " | ".join("---:" for _ in scenarios) + " |",
    ]
    for figure in FIGURES:
        cells = [_cell(results.spread(scenario, figure), whole=figure.whole) for scenario in scenarios]
        unit = f" ({figure.unit})" if figure.unit else ""
        lines.append(f"| {figure.label}{unit} | " + " | ".join(cells) + " |")
    return lines


def ratios_table(results: Results) -> list[str]:
    anchors = [a for a in ANCHORS if a in results.runs]
    subjects = [s for s in results.load_scenarios() if s not in ANCHORS]
    if not anchors or not subjects:
        return []
    header = [f"{s} / {a}" for s in subjects for a in anchors]
    lines = [
        "| figure | " + " | ".join(header) + " |",
        "| --- | " + " | ".join("---:" for _ in header) + " |",
    ]
    for figure in [f for f in FIGURES if f.compared]:
        cells = [
            _ratio(ratio(results.spread(s, figure).median, results.spread(a, figure).median))
            for s in subjects
            for a in anchors
        ]
        lines.append(f"| {figure.label} | " + " | ".join(cells) + " |")
    return lines


def accounting_table(results: Results) -> list[str]:
    """Reply accounting of every served scenario (the anchors send no replies)."""
    lines = ["| scenario (all runs) | " + " | ".join(COUNTS) + " |", "| --- |" + " ---: |" * len(COUNTS)]
    for scenario in results.runs:
        if scenario in ANCHORS:
            continue
        lines.append(
            f"| {scenario} | " + " | ".join(f"{results.count(scenario, n):,}" for n in COUNTS) + " |"
        )
    return lines


def headline(results: Results) -> list[str]:
    """The figures issue 9 sets targets for, as ratios, each against its goal."""
    rate = next(f for f in FIGURES if f.key == "rate")
    ack_half = next(f for f in FIGURES if f.key == "ack_p99_half")
    waiting = next(f for f in FIGURES if f.key == "waiting")
    lines = []
    if "offline" in results.runs and "naive" in results.runs:
        value = ratio(results.spread("offline", rate).median, results.spread("naive", rate).median)
        lines.append(
            f"- offline engine turns/s = **{_ratio(value)}** the naive anchor's requests/s "
            f"({OFFLINE_VS_NAIVE.verdict(value)})"
        )
    if "offline" in results.runs:
        ack = results.spread("offline", ack_half).median
        lines.append(
            f"- offline engine webhook ack p99 at 50 % of peak: **{_number(ack)} ms** "
            f"({ACK_P99_HALF.verdict(ack)})"
        )
    if "gemini:1" in results.runs and "gemini:0" in results.runs:
        value = ratio(results.spread("gemini:1", rate).median, results.spread("gemini:0", rate).median)
        counts = results.conversations("gemini:1") | results.conversations("gemini:0")
        if len(counts) == 1:
            held = _number(results.spread("gemini:1", waiting).median, whole=True)
            lines.append(
                f"- with Gemini answering after 1 s, turns/s = **{_ratio(value)}** those with 0 s "
                f"({GEMINI_1_VS_0.verdict(value)}); both with {counts.pop():,} conversations, "
                f"{held} messages waiting at the server on average with 1 s"
            )
        else:
            lines.append(
                f"- with Gemini answering after 1 s, turns/s = {_ratio(value)} those with 0 s, but **not "
                f"comparable**: the runs had different numbers of conversations ({sorted(counts)})"
            )
    if MEMORY in results.runs:
        outcome = results.runs[MEMORY][0]
        memory = outcome["memory"]
        rss = outcome["rss"] / 1e6
        lines.append(
            f"- server RSS after {memory['answered']:,} conversations (one message each) through `chatbot "
            f"serve`: **{rss:.0f} MB** ({RSS_AFTER_MANY.verdict(rss)}); peak "
            f"{outcome['peak_rss'] / 1e6:.0f} MB, {_early_rss(memory)}"
        )
    if "pg:1" in results.runs and "pg:2" in results.runs:
        value = ratio(results.spread("pg:2", rate).median, results.spread("pg:1", rate).median)
        lines.append(f"- PostgreSQL, `--workers 2` vs `--workers 1`: turns/s = **{_ratio(value)}**")
    lost = sum(results.count(s, "lost") + results.count(s, "duplicates") for s in results.runs)
    lines.append(f"- lost plus duplicate replies over every run: **{lost}** (goal 0)")
    if results.profile is not None:
        lines.append("- what holds the server back: see the profile below")
    lines += [f"- note: {note}" for note in results.notes]
    return lines


def _early_rss(memory: dict[str, Any]) -> str:
    samples = memory.get("samples") or []
    if not samples:
        return "no early reading"
    first = samples[0]
    return f"{first['rss'] / 1e6:.0f} MB after the first {first['answered']:,}"


def memory_section(results: Results) -> list[str]:
    """How the server's memory grew over the memory scenario's conversations."""
    if MEMORY not in results.runs:
        return []
    outcome = results.runs[MEMORY][0]
    memory = outcome["memory"]
    samples = [*memory.get("samples", [])]
    if not samples or samples[-1]["answered"] != memory["answered"]:
        samples.append(
            {"answered": memory["answered"], "rss": outcome["rss"], "peak_rss": outcome["peak_rss"]}
        )
    return [
        f"## Memory after {memory['conversations']:,} conversations",
        "",
        f"`chatbot serve` (offline engine, SQLite, set up as in `offline`) answered {memory['answered']:,} "
        f"of {memory['conversations']:,} new conversations, one message each, {memory['in_flight']:,} "
        f"waiting at a time, in {memory['seconds']:.0f} s ({memory['rate']:.1f} turns/s). The server's "
        "memory as the conversations were answered:",
        "",
        "| conversations answered | " + " | ".join(f"{s['answered']:,}" for s in samples) + " |",
        "| --- |" + " ---: |" * len(samples),
        "| RSS (MB) | " + " | ".join(f"{s['rss'] / 1e6:.0f}" for s in samples) + " |",
        "| peak RSS (MB) | " + " | ".join(f"{s['peak_rss'] / 1e6:.0f}" for s in samples) + " |",
    ]


def profile_section(results: Results) -> list[str]:
    if results.profile is None:
        return []
    summary = ProfileSummary.from_dict(results.profile)
    idle = summary.idle_seconds / (summary.idle_seconds + summary.busy_seconds or 1.0)
    return [
        "## Profile of the server (offline scenario)",
        "",
        "One more run of `offline`, after the others and not counted in any figure, with the server "
        "under cProfile (`python -m bench.profiled_serve`) from the moment it served to its stop. "
        f"It answered {summary.turns:,} turns ({results.profile['rate']:.1f} turns/s at peak): cProfile "
        "slows the server, so these are shares, not timings. Each is a share of the self time (tottime) "
        "of the functions run in the event loop's thread, the time the loop waited for I/O in `epoll` "
        f"({idle:.0%} of the profiled time) left out; a C function (`<method ...>`, `<built-in ...>`) "
        "counts apart from the Python code that calls it.",
        "",
        *profile_tables(summary),
    ]


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


def _section(lines: list[str]) -> list[str]:
    return [*lines, ""] if lines else []


def write_outputs(results: Results, report: Path, chart: Path, raw: Path | None, *, png: bool = True) -> str:
    """Write the report, the chart (SVG, and PNG when a browser is there) and the raw JSON; the summary."""
    picture = write_chart(results, chart, png=png)
    if raw is not None:
        every = {
            "plan": results.plan,
            "runs": results.runs,
            "profile": results.profile,
            "notes": results.notes,
        }
        raw.write_text(json.dumps(every, indent=1, default=str))
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
        *_section(memory_section(results)),
        "## Replies at the fake platform",
        "",
        *accounting_table(results),
        "",
        *_section(profile_section(results)),
        "## Method",
        "",
        _method(plan),
    ]
    report.write_text("\n".join(text) + "\n")
    return terminal_summary(results) + f"\n\nbench: wrote {report} and {picture or chart}"


def _method(plan: dict[str, Any]) -> str:
    server_env = ", ".join(f"`{k}={v}`" for k, v in plan["server_env"]) or "none (the defaults)"
    profiled = "taken in this run" if plan.get("profile") else "not taken in this run"
    return f"""\
- **Scenarios**: `bare` (an aiohttp handler that reads the body and answers 200), `naive` (an aiohttp
  handler doing one SQLAlchemy-async INSERT and commit per request, aiosqlite, WAL), `offline` (`chatbot
  serve`, SQLite, the offline engine), `gemini:<s>` (the same with a fake Gemini that answers every
  request after `<s>` seconds), `pg:<n>` (`chatbot serve --workers <n>`, the offline engine, on
  PostgreSQL: <n> processes on one port with SO_REUSEPORT), `memory` (the offline engine and SQLite as
  in `offline`, one message each from many new conversations; run once). Extra server settings:
  {server_env}.
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
- **Closed loop** ({plan["duration"] - plan["warmup"]:g} s counted, after a warm-up, see below):
  {plan["conversations"]:,} conversations (`--conversations`) in `offline` and `pg:<n>`,
  {plan["llm_conversations"]:,} (`--llm-conversations`) in both `gemini:<s>` scenarios, so that their
  ratio compares runs with the same number; each conversation keeps {plan["burst"]} message(s) waiting
  for a reply and sends the next when one arrives at the fake platform. A conversation's webhooks go one
  at a time, each conversation with a connection of its own, so that messages wait at the server rather
  than in the generator; the anchors (which send no reply) keep {plan["connections"]} requests in flight
  (`--connections`). The counted window opens {plan["warmup"]:g} s after the first reply, and not before
  as many replies as conversations have arrived (with many in flight, replies start late and come in
  waves). Throughput is replies (anchors: acknowledged requests) per second; end-to-end latency is from
  the webhook's POST to the reply's arrival at the fake platform; at peak it is mostly queueing.
  "Messages waiting at the server" counts, twice a second over the window, those acknowledged and not
  yet answered.
- **Open loop** ({plan["open_duration"]:g} s): webhooks at 50 % of the closed loop's rate, spread evenly
  over the conversations; then the generator waits until every message is answered (or a timeout).
- **Memory** (`memory`, once per invocation): {plan["memory_conversations"]:,} new conversations
  (`--memory-conversations`), one message each, {plan["conversations"] * plan["burst"]:,} waiting at a
  time (`--conversations` x `--burst`: a new conversation starts as each is answered), until all are
  answered or no reply has come for a minute. The server's RSS and peak RSS are read after the first
  few hundred are answered, every 1,000, and at the end.
- **Profile** (`--profile`, the default outside quick mode; {profiled}): one more `offline` run, not
  counted, with the server under cProfile; self time grouped by the package of each function's file
  (or, for a C function, by the module cProfile names), and the functions with the most self time.
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
