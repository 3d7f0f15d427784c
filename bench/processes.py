"""Child processes of the benchmark: start them pinned to CPUs, wait until they serve, always stop them.

Also what /proc says about a process (CPU seconds, resident memory), and which CPUs the server gets.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 5.0
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


class BenchError(Exception):
    """A helper process did not start or answer; the message says which and why."""


@dataclass(frozen=True)
class Cpus:
    """The server's CPU and everyone else's; ``None`` where the machine has too few to pin."""

    server: frozenset[int] | None
    helpers: frozenset[int] | None
    available: frozenset[int] = frozenset()

    @classmethod
    def split(cls) -> Cpus:
        try:
            available = sorted(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            return cls(None, None)
        if len(available) < 2:
            return cls(None, None, frozenset(available))
        return cls(frozenset(available[:1]), frozenset(available[1:]), frozenset(available))

    def for_server(self, processes: int) -> frozenset[int] | None:
        """CPUs for a server of ``processes`` processes: one each while one is left for the helpers,
        else every CPU (then shared with the load generator, the fakes and PostgreSQL)."""
        if self.server is None:
            return None
        ordered = sorted(self.available)
        if processes < len(ordered):
            return frozenset(ordered[:processes])
        return frozenset(ordered)

    def describe(self) -> str:
        if self.server is None:
            return "not pinned (fewer than 2 CPUs available)"
        helpers = ",".join(map(str, sorted(self.helpers or ())))
        return f"server on CPU {min(self.server)}; load generator and fakes on CPU {helpers}"


def clean_environment() -> dict[str, str]:
    """This environment without the caller's chatbot and Gemini settings: the benchmark sets its own."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CHATBOT_") and name != "GEMINI_API_KEY"
    }


def pin(process: subprocess.Popen[bytes], cpus: frozenset[int] | None) -> None:
    """Keep a process and its children (``--workers``) on these CPUs (None: leave them be)."""
    if cpus is not None:
        for pid in process_tree(process.pid):
            with contextlib.suppress(OSError):  # a container may forbid it; the process then runs unpinned
                os.sched_setaffinity(pid, cpus)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants now (from /proc), parents first; just ``pid`` where /proc is missing."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            parent = int(text[text.rindex(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    tree, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        tree.append(current)
        queue.extend(sorted(children.get(current, ())))
    return tree


def listeners(port: int) -> int:
    """How many sockets listen on this TCP port (each ``--workers`` process has its own), from /proc/net."""
    count = 0
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        with contextlib.suppress(OSError):
            for line in table.read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    count += 1
    return count


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a live process and its children now, from /proc/<pid>/stat."""
    total = 0.0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):  # a child that just exited
            stat = Path(f"/proc/{member}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def rss_bytes(pid: int) -> tuple[int, int]:
    """Resident memory now and at its peak (VmRSS, VmHWM) of a process and its children, summed."""
    rss = peak = 0
    for member in process_tree(pid):
        values = {}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    values[name] = int(rest.split()[0]) * 1024
        rss += values.get("VmRSS", 0)
        peak += values.get("VmHWM", 0)
    return rss, peak


class Children:
    """Every process the benchmark starts; leaving the ``with`` block stops them all (TERM, then KILL)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self._running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cpus: frozenset[int] | None = None,
        env: Mapping[str, str] | None = None,
        capture_stdout: bool = False,
    ) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        stderr = (self.logs / f"{name}.log").open("ab")
        stdout: IO[bytes] | int = subprocess.PIPE if capture_stdout else stderr
        process = subprocess.Popen(  # our own interpreter and modules
            list(argv), cwd=ROOT, env={**clean_environment(), **(env or {})}, stdout=stdout, stderr=stderr
        )
        stderr.close()
        self._running.append((name, process))
        pin(process, cpus)
        return process

    def start_helper(
        self, name: str, args: Sequence[str], *, cpus: frozenset[int] | None
    ) -> tuple[str, subprocess.Popen[bytes]]:
        """Start ``python -m bench.servers ARGS``; returns the URL it printed once it listened."""
        process = self.start(
            name, [sys.executable, "-m", "bench.servers", *args], cpus=cpus, capture_stdout=True
        )
        line = _read_line(process, timeout=30.0)
        if not line:
            raise BenchError(f"{name} did not start: {self.tail(name)}")
        url: str = json.loads(line)["url"]
        return url, process

    def tail(self, name: str, lines: int = 15) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"

    def stop(self, process: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM, then SIGKILL if it has not exited ``grace`` seconds later."""
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        self._running = [(name, p) for name, p in self._running if p is not process]

    def stop_all(self) -> None:
        for _name, process in reversed(list(self._running)):
            self.stop(process)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop_all()


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Poll ``url`` until it answers 200; fail at once if the process has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the server exited with status {process.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:  # loopback
            if response.status == 200:
                return
        time.sleep(0.1)
    raise BenchError(f"{url} did not answer 200 within {timeout:.0f} s")


def wait_until_listening(
    port: int, count: int, process: subprocess.Popen[bytes], timeout: float = 90.0
) -> None:
    """Wait until ``count`` sockets listen on ``port`` (every process of a ``--workers`` server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the server exited with status {process.returncode}")
        if listeners(port) >= count:
            return
        time.sleep(0.1)
    raise BenchError(f"{count} processes did not listen on port {port} within {timeout:.0f} s")


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline().decode().strip()


def run_checked(argv: Sequence[str], env: Mapping[str, str], what: str) -> str:
    """Run a short command (a `chatbot` setup step); its output, or BenchError with the output."""
    done = subprocess.run(  # our own interpreter and modules
        list(argv),
        cwd=ROOT,
        env={**clean_environment(), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout
