"""The load generator, run in its own process: signed Messenger webhooks for many conversations.

``python -m bench.generator CONFIG.json RESULT.json``. Phases, each bounded in time:

1. calibrate (chatbot only): each question once, in a conversation of its own, to learn its answer, so
   that a reply at the fake platform tells which message it answers; questions whose answers collide
   are dropped;
2. closed loop for ``duration`` seconds: every conversation keeps ``burst`` messages waiting for their
   reply and sends the next as soon as one comes back (an anchor, which sends no reply, keeps
   ``connections`` requests in flight instead); figures count from ``warmup`` on;
3. drain: send nothing until every message is answered or the drain timeout passes;
4. open loop for ``open_duration`` seconds at ``half`` x the closed loop's rate, spread evenly over
   the conversations, then drain again.

With ``one_each`` set (the ``memory`` scenario), phases 2 to 4 give way to one: ``one_each`` distinct
conversations send one message each, ``conversations`` x ``burst`` of them waiting at a time (a new
conversation starts as each is answered), until every one is answered or replies stop coming; the
server's memory is read after the first ``early`` are answered, every ``MEMORY_SAMPLE_EVERY``, and at
the end.

It writes the figures of each phase, the reply accounting (lost, duplicate, out of order), and the
server's CPU seconds and memory (read from /proc/<server pid>) as JSON.

A webhook's acknowledgement time runs from the moment its request has a connection: should a request
wait for one of the generator's ``connections``, that is the generator's queue, not the server's.
End-to-end latency counts from the moment the message is due, that wait included. (The benchmark gives
a served scenario a connection per conversation, so one conversation's webhooks, which go one at a
time, never wait for another's.)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from adapters.meta import SIGNATURE_HEADER, sign
from bench.processes import cpu_seconds, rss_bytes
from bench.stats import ReplyLedger, percentile

CALIBRATION_TIMEOUT = 60.0
MIN_DRAIN_SECONDS = 20.0
MAX_DRAIN_SECONDS = 600.0
# How long one webhook may take once it has a connection (waiting for one of the generator's
# connections is not bounded: it is the generator's own queue).
REQUEST_TIMEOUT = 60.0
# The closed loop's window opens this long at most after its start, however few replies have come.
WARMUP_LIMIT_SECONDS = 300.0
# The memory phase gives up when no reply has come for this long.
STALL_SECONDS = 60.0
MEMORY_SAMPLE_EVERY = 1000
# How often the closed loop counts the messages waiting at the server.
IN_FLIGHT_SAMPLE_SECONDS = 0.5


@dataclass(frozen=True)
class LoadConfig:
    target: str
    replies: str | None
    app_secret: str
    page_id: str
    server_pid: int
    questions: list[str]
    conversations: int = 1000
    burst: int = 2
    connections: int = 100
    duration: float = 20.0
    warmup: float = 3.0
    open_duration: float = 15.0
    half: float = 0.5
    run_id: str = "r"
    # The memory scenario: this many distinct conversations, one message each (0: the load phases).
    one_each: int = 0
    early: int = 200


@dataclass
class Phase:
    """One phase's raw samples: (when, seconds) for acknowledgements and for replies."""

    acks: list[tuple[float, float]] = field(default_factory=list)
    replies: list[tuple[float, float]] = field(default_factory=list)
    refused: int = 0


def webhook_body(page_id: str, psid: str, mid: str, text: str) -> bytes:
    now = int(time.time() * 1000)
    event = {"sender": {"id": psid}, "recipient": {"id": page_id}, "timestamp": now}
    event["message"] = {"mid": mid, "text": text}
    return json.dumps(
        {"object": "page", "entry": [{"id": page_id, "time": now, "messaging": [event]}]}
    ).encode()


def connection_wait_tracing() -> aiohttp.TraceConfig:
    """Tracing that tells how long each request waited for a free connection of the session's pool.

    A request passes ``trace_request_ctx=ConnectionWait()``; the wait is recorded into it.
    """

    async def queued(_session: Any, context: Any, _params: Any) -> None:
        context.trace_request_ctx.queued_at = time.monotonic()

    async def dequeued(_session: Any, context: Any, _params: Any) -> None:
        wait: ConnectionWait = context.trace_request_ctx
        wait.seconds += time.monotonic() - wait.queued_at

    tracing = aiohttp.TraceConfig()
    tracing.on_connection_queued_start.append(queued)
    tracing.on_connection_queued_end.append(dequeued)
    return tracing


@dataclass
class ConnectionWait:
    queued_at: float = 0.0
    seconds: float = 0.0


class Generator:
    def __init__(self, config: LoadConfig, http: aiohttp.ClientSession) -> None:
        self.config = config
        self.http = http
        self.ledger = ReplyLedger()
        self.answers: dict[str, int] = {}
        self.questions = list(config.questions)
        self.phase = Phase()
        self.sending = False
        self.counts: defaultdict[str, int] = defaultdict(int)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._mids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_reply: Callable[[str, str, float], None] = self._count_reply
        # What follows an answered message while ``sending``: the closed loop's conversation sends its
        # next message; the memory phase starts a new conversation.
        self._after_reply: Callable[[str], None] = self._converse_again
        self.posting = 0  # webhooks whose acknowledgement has not come back yet

    # -- sending ---------------------------------------------------------------------------------------

    def spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def post(self, psid: str, text: str) -> tuple[bool, float, float]:
        """POST one signed webhook; (acknowledged with 200, when it got a connection, how long the
        answer took from then)."""
        mid = f"m-{self.config.run_id}-{next(self._mids)}"
        body = webhook_body(self.config.page_id, psid, mid, text)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, self.config.app_secret)}
        wait = ConnectionWait()
        started = time.monotonic()
        self.posting += 1
        try:
            async with self.http.post(
                self.config.target, data=body, headers=headers, trace_request_ctx=wait
            ) as response:
                await response.read()
                ok = response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        finally:
            self.posting -= 1
        started += wait.seconds
        return ok, started, time.monotonic() - started

    def _converse_again(self, psid: str) -> None:
        self.spawn(self.converse(psid))

    def waiting_at_server(self) -> int:
        """Messages acknowledged by the server and not answered yet."""
        return max(0, self.ledger.outstanding() - self.posting)

    async def converse(self, psid: str) -> None:
        """Send a conversation's next question, accounted for in the ledger."""
        phase = self.phase
        # One conversation's webhooks go one after another, as a platform delivers them; two in flight
        # at once could reach the server in either order.
        async with self._locks[psid]:
            question = self.counts[psid] % len(self.questions)
            self.counts[psid] += 1
            number = self.ledger.sent(psid, question, time.monotonic())
            ok, started, took = await self.post(psid, self.questions[question])
        phase.acks.append((started, took))
        if not ok:
            phase.refused += 1
            self.ledger.withdraw(psid, number)
            if self.sending:
                await asyncio.sleep(0.1)
                self.spawn(self.converse(psid))

    async def hammer(self, until: float) -> None:
        """An anchor's closed loop: one request after another until ``until``."""
        while time.monotonic() < until:
            phase = self.phase
            ok, started, took = await self.post("1", self.questions[0])
            phase.acks.append((started, took))
            if ok:
                phase.replies.append((started + took, took))
            else:
                phase.refused += 1

    # -- replies ---------------------------------------------------------------------------------------

    async def poll_replies(self) -> None:
        assert self.config.replies is not None
        seen = 0
        while True:
            try:
                url = f"{self.config.replies}/_bench/replies?after={seen}"
                async with self.http.get(url) as response:
                    replies = (await response.json())["replies"]
            except (aiohttp.ClientError, TimeoutError):
                await asyncio.sleep(0.2)
                continue
            seen += len(replies)
            for psid, text, arrived in replies:
                self._on_reply(psid, text, arrived)

    def _count_reply(self, psid: str, text: str, arrived: float) -> None:
        latency = self.ledger.replied(psid, self.answers.get(text), arrived)
        if latency is None:
            return
        self.phase.replies.append((arrived, latency))
        if self.sending:
            self._after_reply(psid)

    async def calibrate(self) -> None:
        """Learn each question's answer; keep the questions whose answers are distinct."""
        learnt: dict[str, str] = {}
        done = asyncio.Event()

        def record(psid: str, text: str, _arrived: float) -> None:
            learnt.setdefault(psid, text)
            if len(learnt) == len(self.questions):
                done.set()

        self._on_reply = record
        for index, question in enumerate(self.questions):
            self.spawn(self.post(f"9{self.config.run_id}{index:04d}", question))  # type: ignore[arg-type]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), CALIBRATION_TIMEOUT)
        by_answer: dict[str, list[int]] = {}
        for index in range(len(self.questions)):
            answer = learnt.get(f"9{self.config.run_id}{index:04d}")
            if answer is not None:
                by_answer.setdefault(answer, []).append(index)
        kept = [(answer, indexes[0]) for answer, indexes in by_answer.items() if len(indexes) == 1]
        if not kept:
            raise SystemExit(f"calibration: no question got a distinct answer ({len(learnt)} replies)")
        self.questions = [self.questions[index] for _answer, index in sorted(kept, key=lambda k: k[1])]
        self.answers = {
            answer: position for position, (answer, _index) in enumerate(sorted(kept, key=lambda k: k[1]))
        }
        self._on_reply = self._count_reply

    # -- phases ----------------------------------------------------------------------------------------

    async def drain(self, rate: float) -> float:
        """Wait (sending nothing) until every message is answered or the timeout; returns the seconds."""
        started = time.monotonic()
        if self.config.replies is None:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            return time.monotonic() - started
        limit = min(MAX_DRAIN_SECONDS, max(MIN_DRAIN_SECONDS, 3 * self.ledger.outstanding() / max(rate, 1.0)))
        while self.ledger.outstanding() and time.monotonic() - started < limit:  # noqa: ASYNC110
            await asyncio.sleep(0.1)  # replies arrive through the poller; looking 10 times a second is plenty
        return time.monotonic() - started

    async def closed_loop(self, psids: list[str]) -> dict[str, Any]:
        """The closed loop. Its window lasts ``duration - warmup`` and opens ``warmup`` seconds after the
        first reply, and not before as many replies as there are conversations have come: with many
        messages in flight a server's first replies come late, and in waves."""
        config = self.config
        self.phase = phase = Phase()
        start = time.monotonic()
        warm, end = start + config.warmup, start + config.duration
        self.sending = True
        if config.replies is None:
            for _ in range(config.connections):
                self.spawn(self.hammer(end))
        else:
            for psid in psids:
                for _ in range(config.burst):
                    self.spawn(self.converse(psid))
            deadline = start + WARMUP_LIMIT_SECONDS
            while not phase.replies and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            first = time.monotonic()
            while len(phase.replies) < len(psids) and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            warm = max(first + config.warmup, time.monotonic())
            end = warm + config.duration - config.warmup
        await asyncio.sleep(max(0.0, warm - time.monotonic()))
        cpu_warm = cpu_seconds(config.server_pid)
        waiting: list[int] = []
        while (left := end - time.monotonic()) > 0:
            if config.replies is not None:  # an anchor's messages wait for nothing
                waiting.append(self.waiting_at_server())
            await asyncio.sleep(min(left, IN_FLIGHT_SAMPLE_SECONDS))
        cpu_end = cpu_seconds(config.server_pid)
        self.sending = False
        window = [(t, latency) for t, latency in phase.replies if warm <= t <= end]
        rate = len(window) / (end - warm)
        drained = await self.drain(rate)
        return {
            "rate": rate,
            "turns": len(window),
            "cpu_per_turn": (cpu_end - cpu_warm) / len(window) if window else float("nan"),
            **_latencies(phase, warm, end, window),
            "waiting_at_server": sum(waiting) / len(waiting) if waiting else float("nan"),
            "window_starts": warm - start,
            # Replies in each second from the start to the end of the window, to show the ramp.
            "replies_per_second": _per_second([t for t, _latency in phase.replies], start, end),
            "drain_seconds": drained,
        }

    async def open_loop(self, psids: list[str], rate: float) -> dict[str, Any]:
        config = self.config
        self.phase = phase = Phase()
        interval = 1.0 / rate
        start = time.monotonic()
        end = start + config.open_duration
        sent = 0
        while (due := start + sent * interval) < end:
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if config.replies is None:
                self.spawn(self._anchor_once(phase))
            else:
                self.spawn(self.converse(psids[sent % len(psids)]))
            sent += 1
        drained = await self.drain(rate)
        return {
            "target_rate": rate,
            "sent": sent,
            "send_rate": sent / config.open_duration,
            **_latencies(phase, start, float("inf"), phase.replies),
            "drain_seconds": drained,
        }

    async def one_message_each(self, count: int, in_flight: int, early: int) -> dict[str, Any]:
        """``count`` new conversations, one message each, ``in_flight`` waiting at a time; the server's
        memory after the first ``early`` are answered, every ``MEMORY_SAMPLE_EVERY``, and at the end."""
        config = self.config
        self.phase = phase = Phase()
        fresh = (f"7{config.run_id}{index:08d}" for index in range(count))
        started = 0

        def start_next(_answered: str) -> None:
            nonlocal started
            psid = next(fresh, None)
            if psid is not None:
                self.counts[psid] = started  # conversations ask the questions in turn
                started += 1
                self.spawn(self.converse(psid))

        self._after_reply = start_next
        self.sending = True
        began = last_progress = time.monotonic()
        for _ in range(min(in_flight, count)):
            start_next("")
        samples: list[dict[str, float]] = []
        answered, next_sample = 0, min(early, count)
        while answered < count and time.monotonic() - last_progress < STALL_SECONDS:
            await asyncio.sleep(0.1)  # replies arrive through the poller
            if len(phase.replies) > answered:
                last_progress = time.monotonic()
            answered = len(phase.replies)
            if answered >= next_sample:
                rss, peak = rss_bytes(config.server_pid)
                samples.append({"answered": answered, "rss": rss, "peak_rss": peak})
                next_sample = min(count, (answered // MEMORY_SAMPLE_EVERY + 1) * MEMORY_SAMPLE_EVERY)
        seconds = time.monotonic() - began
        self.sending = False
        self._after_reply = self._converse_again
        return {
            "conversations": count,
            "started": started,
            "answered": answered,
            "seconds": seconds,
            "rate": answered / seconds if seconds > 0 else float("nan"),
            "in_flight": in_flight,
            "samples": samples,
        }

    async def _anchor_once(self, phase: Phase) -> None:
        ok, started, took = await self.post("1", self.questions[0])
        phase.acks.append((started, took))
        if ok:
            phase.replies.append((started + took, took))
        else:
            phase.refused += 1


def _per_second(moments: list[float], start: float, end: float) -> list[int]:
    counts = [0] * max(1, int(end - start + 0.999))
    for moment in moments:
        if start <= moment < end:
            counts[int(moment - start)] += 1
    return counts


def _latencies(
    phase: Phase, since: float, until: float, replies: list[tuple[float, float]]
) -> dict[str, float | int]:
    acks = [took for started, took in phase.acks if since <= started <= until]
    ends = [latency for _t, latency in replies]
    return {
        "ack_p50": percentile(acks, 50),
        "ack_p99": percentile(acks, 99),
        "e2e_p50": percentile(ends, 50),
        "e2e_p99": percentile(ends, 99),
        "refused": phase.refused,
    }


async def run(config: LoadConfig) -> dict[str, Any]:
    # No bound on the wait for one of the pool's connections (the generator's own queue); every
    # other step of a request is bounded.
    timeout = aiohttp.ClientTimeout(total=None, connect=None, sock_connect=10, sock_read=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=config.connections)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=connector, trace_configs=[connection_wait_tracing()]
    ) as http:
        generator = Generator(config, http)
        poller = asyncio.ensure_future(generator.poll_replies()) if config.replies else None
        try:
            if poller is not None:
                await generator.calibrate()
                _log(f"calibrated: {len(generator.questions)} questions with distinct answers")
            if config.one_each:
                memory = await generator.one_message_each(
                    config.one_each, config.conversations * config.burst, config.early
                )
                answered, seconds = memory["answered"], memory["seconds"]
                _log(f"{answered:,} of {config.one_each:,} conversations answered in {seconds:.0f} s")
                rss, peak = rss_bytes(config.server_pid)
                return {
                    "questions": len(generator.questions),
                    "closed": None,
                    "open": None,
                    "memory": memory,
                    "accounting": asdict(generator.ledger.accounting()),
                    "rss": rss,
                    "peak_rss": peak,
                }
            psids = [str(5_000_000_000 + index) for index in range(config.conversations)]
            closed = await generator.closed_loop(psids)
            _log(f"closed loop: {closed['rate']:.1f}/s, drained in {closed['drain_seconds']:.1f} s")
            opened = None
            if config.open_duration > 0 and closed["rate"] > 0:
                opened = await generator.open_loop(psids, closed["rate"] * config.half)
                _log(
                    f"open loop at {opened['target_rate']:.1f}/s, drained in {opened['drain_seconds']:.1f} s"
                )
            rss, peak = rss_bytes(config.server_pid)
            accounting = generator.ledger.accounting()
        finally:
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
        return {
            "questions": len(generator.questions),
            "closed": closed,
            "open": opened,
            "accounting": asdict(accounting),
            "rss": rss,
            "peak_rss": peak,
        }


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} generator: {message}", file=sys.stderr, flush=True)


def main() -> None:
    config = LoadConfig(**json.loads(Path(sys.argv[1]).read_text()))
    result = asyncio.run(run(config))
    Path(sys.argv[2]).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
