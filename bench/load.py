"""`make bench`: a load benchmark of a real `chatbot serve`, with its anchors, in one invocation.

``python -m bench.load [--quick] [--runs 3] [--scenarios bare,naive,offline,...] [--no-profile] ...``

Each run of each scenario starts from a copy of a freshly migrated SQLite database with the demo tenant
and a Messenger channel whose Graph API is a fake in another process. The server (pinned to one CPU
where the machine has two or more) is `python -m bot serve`; a fake Gemini with a fixed answer latency
runs in a third process for the ``gemini:<seconds>`` scenarios; the load generator runs in a fourth.
The anchors (``bare``: an aiohttp handler that answers 200; ``naive``: one SQLAlchemy-async INSERT and
commit per request on aiosqlite in WAL mode) run under the same generator, pinned the same way.
The ``pg:<n>`` scenarios run ``chatbot serve --workers <n>`` with the offline engine on PostgreSQL
(``--pg-url``, by default 127.0.0.1:5432 as postgres): each run gets a throwaway database copied from a
template prepared once, dropped afterwards; the server's processes are pinned to <n> CPUs while one is
left for the helpers, else to every CPU. Without a reachable PostgreSQL, a run with the default scenarios
leaves them out (and says so); a run that names them fails.

The ``gemini:<seconds>`` scenarios keep ``--llm-conversations`` conversations (1,000) in flight, the
others ``--conversations`` (100), so that both Gemini scenarios, whose ratio is a figure, run with the
same number. The ``memory`` scenario (once per invocation, not once per run) sends one message each
from ``--memory-conversations`` (10,000) distinct conversations to the offline ``chatbot serve`` and
reads the server's memory after them. ``--profile`` (on by default, off in quick mode) adds one run of
the ``offline`` scenario, not counted in the figures, with the server under cProfile
(``bench.profiled_serve``), and writes its self time by package and its heaviest functions.

Scenarios are interleaved run by run, so that a burst of noise from elsewhere hits all of them alike.
Everything talks to 127.0.0.1 only; every child is stopped on exit, failure or Ctrl-C. Writes
``bench/REPORT.md``, ``bench/chart.svg`` and (with chromium) ``bench/chart.png``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bench import cpu_profile
from bench.generator import LoadConfig
from bench.pg_databases import DEFAULT_ADMIN_URL, PgDatabases
from bench.processes import (
    ROOT,
    BenchError,
    Children,
    Cpus,
    free_port,
    pin,
    run_checked,
    wait_until_healthy,
    wait_until_listening,
)
from bench.report import Results, write_outputs

PAGE_ID, PAGE_TOKEN = "1000000001", "bench-page-token"
APP_SECRET, VERIFY_TOKEN = "bench-app-secret", "bench-verify"
GEMINI_KEY = "bench-gemini-key"
# Plain questions a shop's customers ask, each answered by a different entry of the demo knowledge base;
# none of them asks for a person or sounds upset, so no turn hands the conversation over.
QUESTIONS = [
    "What are your opening hours?",
    "How long does shipping take?",
    "What subscription plans do you offer?",
    "Which payment methods do you accept?",
    "Where is your store located?",
    "Do you supply cafés wholesale?",
    "Do you sell gift cards?",
    "How should I brew your coffee?",
    "Do you have decaf coffee?",
    "How can I track my order?",
    "How do loyalty points work?",
    "Which grind options can I choose?",
    "Do you ship internationally?",
    "How much caffeine is in a cup?",
]
DEFAULT_SCENARIOS = "bare,naive,offline,gemini:0,gemini:1,pg:1,pg:2,memory"
QUICK_SCENARIOS = "bare,naive,offline,memory"
# The memory scenario reads the server's memory after this many conversations too, for comparison.
EARLY_CONVERSATIONS = 200
# A profiled server is slower to stop: cProfile slows its graceful shutdown, then it writes its stats.
PROFILED_STOP_SECONDS = 60.0


@dataclass(frozen=True)
class Plan:
    runs: int
    scenarios: tuple[str, ...]
    conversations: int
    burst: int
    connections: int
    duration: float
    warmup: float
    open_duration: float
    server_env: tuple[tuple[str, str], ...]
    quick: bool
    pg_url: str = DEFAULT_ADMIN_URL
    llm_conversations: int = 1000
    memory_conversations: int = 10_000
    profile: bool = False
    scenarios_given: bool = False

    def conversations_for(self, scenario: str) -> int:
        """Conversations of a scenario's closed loop (memory: this times --burst wait at a time)."""
        return self.llm_conversations if _gemini_latency(scenario) >= 0 else self.conversations


def parse_args(argv: list[str] | None) -> tuple[Plan, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one short run of each scenario (< 1 min)")
    parser.add_argument("--runs", type=int, help="runs of each scenario (default 3; quick 1)")
    parser.add_argument(
        "--scenarios",
        help="comma-separated, of bare, naive, offline, gemini:<seconds>, pg:<workers>, memory "
        f"(default {DEFAULT_SCENARIOS}; quick {QUICK_SCENARIOS})",
    )
    parser.add_argument(
        "--conversations",
        type=int,
        help="conversations of the closed loop, except in gemini:<s> (default 100; quick 25); the memory "
        "scenario keeps this many times --burst messages waiting",
    )
    parser.add_argument(
        "--llm-conversations",
        type=int,
        help="conversations of the gemini:<s> scenarios' closed loop (default 1000; quick 25)",
    )
    parser.add_argument(
        "--memory-conversations",
        type=int,
        help="distinct conversations, one message each, of the memory scenario (default 10000; quick 300)",
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="one more run of the offline scenario, not counted, with the server under cProfile; its "
        "profile goes into the report (default on; quick off)",
    )
    parser.add_argument("--burst", type=int, default=2, help="messages each conversation keeps waiting")
    parser.add_argument(
        "--connections",
        type=int,
        default=100,
        help="requests the generator keeps in flight to an anchor; at least as many connections to a "
        "served scenario, which gets one per conversation",
    )
    parser.add_argument(
        "--duration", type=float, help="closed-loop seconds, warm-up included (default 20; quick 3)"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        help="closed-loop seconds not counted (default 3; quick 1); for a served scenario, counted from its "
        "first reply, and lasting at least until as many replies as conversations have come",
    )
    parser.add_argument("--open-duration", type=float, help="seconds at half the peak (default 15; quick 2)")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="extra server setting"
    )
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_ADMIN_URL,
        help="PostgreSQL server for the pg:<n> scenarios, as a URL of a database to connect to while "
        f"creating and dropping throwaway ones (default {DEFAULT_ADMIN_URL})",
    )
    parser.add_argument("--report", type=Path, default=ROOT / "bench" / "REPORT.md")
    parser.add_argument("--chart", type=Path, default=ROOT / "bench" / "chart.svg", help="also .png")
    parser.add_argument("--no-png", action="store_true", help="write the chart as SVG only")
    parser.add_argument("--json", type=Path, default=None, help="also write every run's raw figures here")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory (logs, databases; PostgreSQL's too)"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    scenarios = tuple(
        s.strip()
        for s in (args.scenarios or (QUICK_SCENARIOS if quick else DEFAULT_SCENARIOS)).split(",")
        if s.strip()
    )
    for scenario in scenarios:
        known = scenario in ("bare", "naive", "offline", "memory") or _pg_workers(scenario) >= 1
        if not known and not _gemini_latency(scenario) >= 0:
            parser.error(f"unknown scenario {scenario!r}")
    env = []
    for item in args.server_env:
        name, sep, value = item.partition("=")
        if not sep or not name.startswith("CHATBOT_"):
            parser.error(f"--server-env takes CHATBOT_NAME=VALUE, got {item!r}")
        env.append((name, value))
    plan = Plan(
        runs=args.runs or (1 if quick else 3),
        scenarios=scenarios,
        conversations=args.conversations or (25 if quick else 100),
        llm_conversations=args.llm_conversations or (25 if quick else 1000),
        memory_conversations=args.memory_conversations or (300 if quick else 10_000),
        profile=args.profile if args.profile is not None else not quick,
        scenarios_given=args.scenarios is not None,
        burst=args.burst,
        connections=args.connections,
        duration=args.duration or (3.0 if quick else 20.0),
        warmup=args.warmup if args.warmup is not None else (1.0 if quick else 3.0),
        open_duration=args.open_duration if args.open_duration is not None else (2.0 if quick else 15.0),
        server_env=tuple(env),
        quick=quick,
        pg_url=args.pg_url,
    )
    return plan, args


def _gemini_latency(scenario: str) -> float:
    kind, _, latency = scenario.partition(":")
    try:
        return float(latency) if kind == "gemini" else -1.0
    except ValueError:
        return -1.0


def _pg_workers(scenario: str) -> int:
    kind, _, workers = scenario.partition(":")
    return int(workers) if kind == "pg" and workers.isdigit() else 0


class Bench:
    def __init__(self, plan: Plan, work: Path, children: Children, *, keep: bool = False) -> None:
        self.plan = plan
        self.keep = keep
        self.work = work
        self.children = children
        self.cpus = Cpus.split()
        self.secret_key = Fernet.generate_key().decode()
        self.template = work / "template"
        self.webhook_path = ""
        self.pg = PgDatabases(plan.pg_url)
        self.pg_template = ""
        self.pg_webhook_path = ""

    def prepare(self) -> None:
        """Prepare the SQLite template (and the PostgreSQL one when a pg scenario runs); runs copy them."""
        self.webhook_path = self._prepare(self._env(self.template, port=8080))
        if any(_pg_workers(s) for s in self.plan.scenarios):
            self.pg_template = self.pg.name("template")
            env = self._env(self.template, port=8080)
            env["CHATBOT_DATABASE_URL"] = self.pg.create(self.pg_template)
            self.pg_webhook_path = self._prepare(env)

    def _prepare(self, env: dict[str, str]) -> str:
        """Migrate a database, seed the demo tenant, add a Messenger channel and credits; the webhook path.

        The four `chatbot` commands run in one interpreter, which saves three start-ups.
        """
        channel = [
            *("channel", "add", "--tenant", "demo", "--platform", "messenger", "--page-id", PAGE_ID),
            *("--access-token", PAGE_TOKEN, "--app-secret", APP_SECRET, "--verify-token", VERIFY_TOKEN),
        ]
        # Credits for every LLM turn a run can make: a measured turn must never take the out-of-credits path.
        grant = ["credits", "grant", "--tenant", "demo", "--credits", "10000000", "--key", "bench"]
        commands = [["db", "upgrade"], ["demo", "--quiet"], channel, grant]
        # Nor a rate-limit refusal: the plans' LLM turns per minute and hour are lifted in this copy only.
        script = (
            "import sys; from bot.cli.root import main\n"
            f"for args in {commands!r}:\n"
            "    main.main(args, prog_name='chatbot', standalone_mode=False)\n"
            "import asyncio, os; from sqlalchemy import text; from storage.db import create_engine\n"
            "async def lift():\n"
            "    engine = create_engine(os.environ['CHATBOT_DATABASE_URL'])\n"
            "    async with engine.begin() as connection:\n"
            f"        await connection.execute(text({LIFT_RATE_LIMITS!r}))\n"
            "    await engine.dispose()\n"
            "asyncio.run(lift())\n"
        )
        output = run_checked(
            [sys.executable, "-c", script], env, "chatbot db upgrade, demo, channel add, credits grant"
        )
        url = next(line.split()[-1] for line in output.splitlines() if "webhook URL" in line)
        return "/webhooks/" + url.split("/webhooks/", 1)[1]

    def _env(self, data_dir: Path, port: int) -> dict[str, str]:
        return {
            "CHATBOT_DATA_DIR": str(data_dir),
            "CHATBOT_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'chatbot.db'}",
            "CHATBOT_SECRET_KEY": self.secret_key,
            "CHATBOT_HOST": "127.0.0.1",
            "CHATBOT_PORT": str(port),
            "CHATBOT_LOG_LEVEL": "WARNING",
            # A bench conversation writes again as soon as it is answered: far above a person's pace, so
            # flood control (6 LLM turns a minute per customer by default) would answer it without the model.
            "CHATBOT_CUSTOMER_TURNS_PER_MINUTE": "1000000",
        }

    def run(self, scenario: str, number: int, *, profile: Path | None = None) -> dict[str, Any]:
        """One run of a scenario; its figures. With ``profile``, the server runs under cProfile and
        writes its statistics there when it stops."""
        name = f"{scenario.replace(':', '-')}-run{number}" + ("-profiled" if profile else "")
        directory = self.work / name
        directory.mkdir(parents=True)
        if scenario in ("bare", "naive"):
            args = ["naive", "--database", str(directory / "naive.db")] if scenario == "naive" else ["bare"]
            url, process = self.children.start_helper(f"{name}-anchor", args, cpus=self.cpus.server)
            target, replies = url + self.webhook_path, None
        else:
            for item in self.template.iterdir():
                shutil.copy(item, directory / item.name)  # the SQLite file, and the key file every run needs
            workers = _pg_workers(scenario)
            graph, _ = self.children.start_helper(
                f"{name}-platform",
                ["platform", "--page-id", PAGE_ID, "--token", PAGE_TOKEN],
                cpus=self.cpus.helpers,
            )
            port = free_port()
            env = {
                **self._env(directory, port),
                "CHATBOT_GRAPH_API_BASE": graph,
                **dict(self.plan.server_env),
            }
            webhook_path, command = self.webhook_path, [sys.executable, "-m", "bot", "serve"]
            if profile:
                command = [sys.executable, "-m", "bench.profiled_serve", str(profile), "serve"]
            if workers:
                env["CHATBOT_DATABASE_URL"] = self.pg.create(self.pg.name(name), template=self.pg_template)
                webhook_path = self.pg_webhook_path
                command += ["--workers", str(workers)]
            latency = _gemini_latency(scenario)
            if latency >= 0:
                gemini, _ = self.children.start_helper(
                    f"{name}-gemini",
                    ["gemini", "--api-key", GEMINI_KEY, "--latency", str(latency)],
                    cpus=self.cpus.helpers,
                )
                env.update(CHATBOT_GEMINI_BASE_URL=gemini, GEMINI_API_KEY=GEMINI_KEY)
            # Pinned once it serves: its start-up (imports) is not what is measured.
            process = self.children.start(f"{name}-server", command, env=env)
            base = f"http://127.0.0.1:{port}"
            began = time.monotonic()
            try:
                wait_until_healthy(f"{base}/healthz", process)
                if workers > 1:  # every process listens before the load starts
                    wait_until_listening(port, workers, process)
            except BenchError as exc:
                raise BenchError(f"{exc}\n{self.children.tail(f'{name}-server')}") from None
            pin(process, self.cpus.for_server(workers) if workers else self.cpus.server)
            if profile:
                process.send_signal(signal.SIGUSR1)  # bench.profiled_serve: start profiling now
            print(f"bench:   {name}: server ready in {time.monotonic() - began:.1f} s", flush=True)
            target, replies = base + webhook_path, graph.rsplit("/", 1)[0]
        memory = self.plan.memory_conversations if scenario == "memory" else 0
        conversations = self.plan.conversations_for(scenario)
        # A connection for every conversation that can have a webhook in flight (one at a time each; the
        # memory scenario's conversations send one message each), so that messages wait at the server,
        # not in the generator's queue; an anchor gets --connections requests in flight.
        senders = conversations * self.plan.burst if memory else conversations
        config = LoadConfig(
            target=target,
            replies=replies,
            app_secret=APP_SECRET,
            page_id=PAGE_ID,
            server_pid=process.pid,
            questions=QUESTIONS,
            conversations=conversations,
            burst=self.plan.burst,
            connections=max(self.plan.connections, senders) if replies else self.plan.connections,
            duration=self.plan.duration,
            warmup=self.plan.warmup,
            open_duration=self.plan.open_duration,
            run_id=str(number),
            one_each=memory,
            early=min(EARLY_CONVERSATIONS, max(1, memory // 2)),
        )
        (directory / "load.json").write_text(json.dumps(asdict(config)))
        generator = self.children.start(
            f"{name}-generator",
            [
                sys.executable,
                "-m",
                "bench.generator",
                str(directory / "load.json"),
                str(directory / "out.json"),
            ],
            cpus=self.cpus.helpers,
        )
        # The generator bounds every phase itself; this is only the last line of defence (the memory
        # scenario: at least 5 conversations a second).
        limit = 4 * (self.plan.duration + self.plan.open_duration) + 1400 + memory / 5
        try:
            code = generator.wait(limit)
        except subprocess.TimeoutExpired:
            raise BenchError(f"the load generator of {name} did not finish within {limit:.0f} s") from None
        if code != 0:
            raise BenchError(
                f"the load generator of {name} failed: {self.children.tail(f'{name}-generator')}"
            )
        if process.poll() is not None:
            raise BenchError(f"the server of {name} died: {self.children.tail(f'{name}-server')}")
        if profile:
            self.children.stop(process, grace=PROFILED_STOP_SECONDS)
            if not profile.exists():
                raise BenchError(
                    f"the profiled server of {name} wrote no statistics: exit {process.returncode}"
                )
        self.children.stop_all()
        for database in [d for d in self.pg.made if d != self.pg_template and not self.keep]:
            self.pg.drop(database)
        result: dict[str, Any] = json.loads((directory / "out.json").read_text())
        result["conversations"] = config.conversations if replies else None
        return result

    def profile(self) -> dict[str, Any]:
        """One run of the offline scenario with the server under cProfile; the summary of its profile."""
        stats = self.work / "offline-server.pstats"
        outcome = self.run("offline", 1, profile=stats)
        turns = int(outcome["accounting"]["answered"])
        summary = cpu_profile.load(stats, turns=turns, root=ROOT)
        return {**asdict(summary), "rate": outcome["closed"]["rate"]}


def without_unreachable_postgresql(plan: Plan) -> tuple[Plan, list[str]]:
    """The plan without its pg:<n> scenarios when they were not asked for by name and no PostgreSQL
    answers at ``--pg-url``, with a note that says so; otherwise the plan as it is."""
    left_out = [s for s in plan.scenarios if _pg_workers(s)]
    if not left_out or plan.scenarios_given:
        return plan, []
    problem = PgDatabases(plan.pg_url).unreachable()
    if not problem:
        return plan, []
    kept = tuple(s for s in plan.scenarios if s not in left_out)
    note = f"{', '.join(left_out)} left out: no PostgreSQL at {plan.pg_url} ({problem})"
    return dataclasses.replace(plan, scenarios=kept), [note]


# The bench measures the pipeline, not the plans: no measured LLM turn may be refused by a rate limit.
LIFT_RATE_LIMITS = "UPDATE plans SET requests_per_minute = 1000000000, requests_per_hour = 1000000000"


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    plan, args = parse_args(argv)
    # A SIGTERM (a CI timeout, `kill`) stops the children as Ctrl-C does, instead of orphaning them.
    signal.signal(signal.SIGTERM, _interrupt)
    started = datetime.datetime.now(datetime.UTC)
    plan, notes = without_unreachable_postgresql(plan)
    for note in notes:
        print(f"bench: {note}", flush=True)
    load = os_load()
    work = Path(tempfile.mkdtemp(prefix="chatbot-bench-"))
    given = sys.argv[1:] if argv is None else argv
    results = Results(plan={**asdict(plan), "argv": given}, started=started, load_at_start=load)
    results.notes = notes
    bench: Bench | None = None
    try:
        with Children(work / "logs") as children:
            bench = Bench(plan, work, children, keep=args.keep)
            results.pinning = bench.cpus.describe()
            print(f"bench: work directory {work}; {results.pinning}; load average {load}", flush=True)
            began = time.monotonic()
            bench.prepare()
            print(f"bench: database template ready in {time.monotonic() - began:.0f} s", flush=True)
            for number in range(1, plan.runs + 1):
                for scenario in plan.scenarios:
                    if scenario == "memory" and number > 1:
                        continue  # a size, not a rate, and minutes long: measured once
                    began = time.monotonic()
                    outcome = bench.run(scenario, number)
                    results.add(scenario, outcome)
                    print(progress(number, scenario, outcome, time.monotonic() - began), flush=True)
            if plan.profile:
                began = time.monotonic()
                results.profile = bench.profile()
                print(f"bench: profiled offline run ({time.monotonic() - began:.0f} s)", flush=True)
    except BenchError as exc:
        print(f"bench: {exc}\nbench: logs kept in {work / 'logs'}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted; every child process was stopped", file=sys.stderr)
        sys.exit(130)
    finally:
        if bench is not None and not args.keep:  # every child has stopped: no database is in use
            bench.pg.drop_all()
    results.finished = datetime.datetime.now(datetime.UTC)
    results.load_at_end = os_load()
    print(write_outputs(results, args.report, args.chart, args.json, png=not args.no_png), flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def progress(number: int, scenario: str, outcome: dict[str, Any], seconds: float) -> str:
    lost = outcome["accounting"]["lost"]
    memory = outcome.get("memory")
    if memory:
        return (
            f"bench: run {number} {scenario:10} {memory['answered']:,} conversations at "
            f"{memory['rate']:.1f}/s  RSS {outcome['rss'] / 1e6:.0f} MB  lost {lost}  ({seconds:.0f} s)"
        )
    closed = outcome["closed"]
    return (
        f"bench: run {number} {scenario:10} {closed['rate']:8.1f}/s  "
        f"ack p99 {closed['ack_p99'] * 1000:7.1f} ms  lost {lost}  ({seconds:.0f} s)"
    )


def os_load() -> tuple[float, float, float]:
    return os.getloadavg()


if __name__ == "__main__":
    main()
