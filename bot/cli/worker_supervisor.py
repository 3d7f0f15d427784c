"""`chatbot serve --workers N`: N server processes on one port, and a supervisor that only waits for them.

Each child is a whole `chatbot serve` (webhooks, inbox worker, outbox sender, notifier, escalation
sweeper, auto-assignment) listening with SO_REUSEPORT, so the kernel spreads connections over them. Every
duty is safe to run in each process on PostgreSQL: the queues are claimed with leases and
``FOR UPDATE SKIP LOCKED``, the escalation timeout and agent assignment are compare-and-set. So every
child runs all of them, and the children differ only in their number.

The supervisor forwards SIGTERM and SIGINT to the children (each in a process group of its own, so a
terminal's Ctrl-C reaches them once, through here) and exits when they have exited; it restarts
nothing. A child that exits unasked (it could not bind, it crashed) stops the others too, and the
supervisor exits with its status, so whatever runs the service sees the failure and restarts it whole.

Metrics: the children share a fresh directory as ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's
multiprocess mode), so one scrape of any of them sums them all; a child's live gauges are dropped when
it exits (``mark_process_dead``), and the directory is removed at the end.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from prometheus_client import multiprocess

from bot.config import Settings

log = logging.getLogger(__name__)

# How a child is told which it is; hidden from `chatbot serve --help`.
WORKER_OPTION = "--worker-number"


class PortTaken(Exception):
    """Something listens on the port already (an earlier server, perhaps, that would share it silently)."""


def check_port_free(host: str, port: int) -> None:
    """Bind without SO_REUSEPORT once: SO_REUSEPORT alone would let us join a server already there."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise PortTaken(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def metrics_directory(given: Path | None) -> tuple[Path, bool]:
    """The directory the children share for metrics, emptied; and whether it is ours to remove at the end."""
    if given is None:
        return Path(tempfile.mkdtemp(prefix="chatbot-metrics-")), True
    given.mkdir(parents=True, exist_ok=True)
    for stale in given.glob("*.db"):  # values of an earlier run would be summed in otherwise
        stale.unlink()
    return given, False


def supervise(
    settings: Settings, count: int, *, on_started: Callable[[Sequence[int]], None] = lambda _pids: None
) -> int:
    """Run ``count`` server processes until they exit; the status to exit with (0 after a clean stop)."""
    directory, ours = metrics_directory(settings.prometheus_multiproc_dir)
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    children: dict[int, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop_children(number: int) -> None:
        for child in children.values():
            if child.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    child.send_signal(number)

    def forward(number: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        stop_children(number)

    previous = {number: signal.signal(number, forward) for number in (signal.SIGTERM, signal.SIGINT)}
    status = 0
    try:
        for number in range(count):
            if stopping:
                break
            started = subprocess.Popen(  # noqa: S603 - our own interpreter and entry point
                [sys.executable, "-m", "bot", "serve", WORKER_OPTION, str(number)],
                env=environment,
                stdin=subprocess.DEVNULL,  # outside the terminal's foreground group: it must never read it
                process_group=0,
            )
            children[started.pid] = started
        if not stopping:
            on_started(list(children))
        while any(child.returncode is None for child in children.values()):
            pid, wait_status = os.waitpid(-1, 0)
            exited = children.get(pid)
            if exited is None:
                continue
            exited.returncode = code = os.waitstatus_to_exitcode(wait_status)
            multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
            if stopping:
                status = status or max(code, 0)
                continue
            log.error("worker process %s exited with status %s; stopping the others", pid, code)
            status = code if code > 0 else 1
            stopping = True
            stop_children(signal.SIGTERM)
    finally:
        # Only when something here failed (a child could not be started): none is left behind.
        stop_children(signal.SIGTERM)
        for child in children.values():
            if child.returncode is None:
                child.wait()
        for number, handler in previous.items():
            signal.signal(number, handler)
        if ours:
            shutil.rmtree(directory, ignore_errors=True)
    return status
