"""The text a Prometheus scrape of ``/metrics`` gets: this process's (or every process's) metrics and the
queue depths read from the database at that moment.

The queues are shared by every process, so their depths come from one cheap query per scrape (counts per
status and the earliest due time, on the queues' indexes) rather than from each process: summed across
processes they would be counted N times. If the database does not answer within the deadline the
scrape still succeeds, with ``chatbot_queue_stats_up 0`` and no depths.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.observability import runtime_metrics  # noqa: F401 - the metrics exist before the first scrape
from storage.db import read_only
from storage.models import utcnow
from storage.queue_stats import QueueStats, inbox_stats, outbox_stats

log = logging.getLogger(__name__)

# The exposition format generate_latest writes (names escaped to underscores), which every Prometheus reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
QUEUE_DEADLINE_SECONDS = 2.0


async def render_metrics(
    sessions: async_sessionmaker[AsyncSession],
    multiproc_dir: Path | None,
    *,
    deadline_seconds: float = QUEUE_DEADLINE_SECONDS,
) -> bytes:
    """The whole scrape: process metrics (summed over the processes sharing ``multiproc_dir``) and queues."""
    queues = _QueueCollector(await _read_queues(sessions, deadline_seconds))
    return generate_latest(_process_metrics(multiproc_dir)) + generate_latest(queues)


def _process_metrics(multiproc_dir: Path | None) -> Collector:
    if multiproc_dir is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(multiproc_dir))  # type: ignore[no-untyped-call]
    return registry


async def _read_queues(
    sessions: async_sessionmaker[AsyncSession], deadline_seconds: float
) -> dict[str, QueueStats] | None:
    try:
        async with asyncio.timeout(deadline_seconds), read_only(sessions) as session:
            return {"inbox": await inbox_stats(session), "outbox": await outbox_stats(session)}
    except Exception as exc:  # noqa: BLE001 - a scrape reports the database as down, it does not fail
        log.warning("metrics: could not read the queue depths: %s", type(exc).__name__)
        return None


class _QueueCollector(Collector):
    def __init__(self, queues: dict[str, QueueStats] | None) -> None:
        self._queues = queues

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "chatbot_queue_stats_up", "1 when the queue depths below were read from the database"
        )
        up.add_metric([], 0 if self._queues is None else 1)
        yield up
        if self._queues is None:
            return
        depth = GaugeMetricFamily(
            "chatbot_queue_depth",
            "Rows in a durable queue (inbox: inbound events; outbox: replies), by status, all tenants",
            labels=["queue", "status"],
        )
        age = GaugeMetricFamily(
            "chatbot_queue_oldest_pending_age_seconds",
            "How long the longest-waiting due row of a queue has waited to be claimed (0: none)",
            labels=["queue"],
        )
        now = utcnow()
        for queue, stats in self._queues.items():
            for status, count in stats.by_status.items():
                depth.add_metric([queue, status], count)
            age.add_metric([queue], stats.oldest_age_seconds(now))
        yield depth
        yield age
