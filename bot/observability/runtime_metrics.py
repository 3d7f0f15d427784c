"""The process's Prometheus metrics and the small helpers that record them.

Labels take values from small fixed sets only (platforms, routes, triggers, result and error classes):
never a tenant, channel, customer, model name or text, so the number of series stays bounded and a
scrape tells nothing about any tenant. Queue depths are not here: they are read from the database when
``/metrics`` is scraped (``bot.observability.exposition``). Credits (reserved, committed, refused)
will join when billing meters them.

Under ``chatbot serve --workers N`` every process writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode, chosen by that variable at import),
and one scrape of any process sums them all.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, get_args

import prometheus_client
from prometheus_client import Counter, Gauge, Histogram

from adapters.base import Platform
from bot.engine.types import Route
from bot.observability import log_context

log = logging.getLogger(__name__)

# Errors that pass through the turn decorator are located where they were raised (bot.errors).
_transparent_to_errors = True

# The same series in one process and in many (multiprocess mode has no `_created` series).
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
LLM_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 45.0, 60.0)

WEBHOOK_ITEMS = Counter(
    "chatbot_webhook_items",
    "Items parsed from verified webhook requests (a platform's retry of a stored event included)",
    ["platform"],
)
EVENTS_ACCEPTED = Counter(
    "chatbot_events_accepted", "Inbound events stored for processing (new ones only)", ["platform"]
)
EVENTS_PROCESSED = Counter(
    "chatbot_events_processed",
    "Inbound events processed, by the route of their turn (status, other: events that need no answer)",
    ["route"],
)
EVENTS_FAILED = Counter(
    "chatbot_events_failed",
    "Attempts to process an inbound event that raised (retried, or parked as failed after the last one)",
    ["error"],
)
TURN_SECONDS = Histogram(
    "chatbot_turn_seconds", "Time to process one inbound event, by route", ["route"], buckets=TURN_BUCKETS
)
TURNS_IN_PROGRESS = Gauge(
    "chatbot_turns_in_progress", "Inbound events being processed now", multiprocess_mode="livesum"
)
LLM_SECONDS = Histogram(
    "chatbot_llm_seconds",
    "Time of one LLM call (answer: a whole turn with its tool rounds and retries)",
    ["call"],
    buckets=LLM_BUCKETS,
)
LLM_TOKENS = Counter("chatbot_llm_tokens", "Tokens of LLM turns", ["kind"])
LLM_ERRORS = Counter(
    "chatbot_llm_errors", "LLM calls that gave no usable answer (the fallback answered instead)", ["call"]
)
OUTBOUND_SENDS = Counter(
    "chatbot_outbound_sends",
    "Calls to a platform's send API, by outcome (sent, retryable, permanent, cancelled, crash) and error",
    ["platform", "result", "error"],
)
HANDOFFS = Counter("chatbot_handoffs", "Conversations handed to a person, by what triggered it", ["trigger"])
CREDITS_CHARGED = Counter(
    "chatbot_credits_charged", "Credits charged for LLM turns (committed with their turn)"
)
LLM_DENIED = Counter(
    "chatbot_llm_denied",
    "Turns answered without the LLM because the admission refused it, by reason",
    ["reason"],
)

# Series that exist from the start (at 0), so that rate() and increase() see the first event too.
for _platform in Platform:
    if _platform is not Platform.CONSOLE:
        WEBHOOK_ITEMS.labels(_platform.value)
        EVENTS_ACCEPTED.labels(_platform.value)
for _route in get_args(Route):
    EVENTS_PROCESSED.labels(_route)


def record_webhook(platform: str, items: int, accepted: int) -> None:
    """A verified webhook request of ``platform`` (one of ours): its items, and how many were new."""
    WEBHOOK_ITEMS.labels(platform).inc(items)
    EVENTS_ACCEPTED.labels(platform).inc(accepted)


def record_llm_call(call: str, seconds: float, *, failed: bool) -> None:
    LLM_SECONDS.labels(call).observe(seconds)
    if failed:
        LLM_ERRORS.labels(call).inc()


def record_llm_tokens(prompt: int, completion: int) -> None:
    LLM_TOKENS.labels("prompt").inc(max(prompt, 0))
    LLM_TOKENS.labels("completion").inc(max(completion, 0))


def record_send(platform: str, result: str, error: str = "none") -> None:
    OUTBOUND_SENDS.labels(platform, result, error).inc()


def record_turn_credits(charged: int, denied: str | None) -> None:
    """A committed turn's credits, or why it was answered without the LLM (``out_of_credits``, ...)."""
    if charged > 0:
        CREDITS_CHARGED.inc(charged)
    if denied is not None:
        LLM_DENIED.labels(denied).inc()


# -- turns -------------------------------------------------------------------------------------------


@dataclass
class _TurnNotes:
    """What a turn tells the metrics about itself; recorded only when the turn commits."""

    route: str | None = None
    handoff_trigger: str | None = None


_notes: ContextVar[_TurnNotes | None] = ContextVar("turn_notes", default=None)


def note_route(route: str) -> None:
    """The route the engine chose for the event being processed in this task."""
    notes = _notes.get()
    if notes is not None:
        notes.route = route


def note_handoff(trigger: str) -> None:
    """The turn being processed in this task hands its conversation to a person."""
    notes = _notes.get()
    if notes is not None:
        notes.handoff_trigger = trigger


class EventIds(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def tenant_id(self) -> int: ...
    @property
    def kind(self) -> str: ...


Processor = TypeVar("Processor")
Event = TypeVar("Event", bound=EventIds)


def measured_turn(
    process: Callable[[Processor, Event], Coroutine[Any, Any, None]],
) -> Callable[[Processor, Event], Coroutine[Any, Any, None]]:
    """Decorates ``process(event)``: its time, route and outcome, and the event's ids on its log lines."""

    @functools.wraps(process)
    async def measured(self: Processor, event: Event) -> None:
        notes = _TurnNotes()
        notes_token = _notes.set(notes)
        ids_token = log_context.bind(event_id=event.id, tenant_id=event.tenant_id)
        TURNS_IN_PROGRESS.inc()
        started = time.perf_counter()
        try:
            await process(self, event)
        except Exception as exc:
            EVENTS_FAILED.labels(type(exc).__name__).inc()
            raise
        else:
            took = time.perf_counter() - started
            route = notes.route or ("status" if event.kind == "status" else "other")
            EVENTS_PROCESSED.labels(route).inc()
            TURN_SECONDS.labels(route).observe(took)
            if notes.handoff_trigger is not None:
                HANDOFFS.labels(notes.handoff_trigger).inc()
            log.debug("event %s processed in %.3fs: %s", event.id, took, route)
        finally:
            TURNS_IN_PROGRESS.dec()
            log_context.unbind(ids_token)
            _notes.reset(notes_token)

    return measured
