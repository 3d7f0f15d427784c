"""`python -m bench.profiled_serve STATS_FILE serve ...`: `chatbot` under cProfile, for `--profile`.

The profiler keeps its default clock (wall time): a CPU-time clock (``time.process_time``) is a system
call, made twice per function call, and slowed the server about ninefold. Time spent waiting for I/O
shows as the event loop's ``epoll.poll``, which the summary sets apart (bench/cpu_profile.py).
Profiling starts on SIGUSR1, which the benchmark sends once the server answers, so that start-up
(imports, schema check) is left out; the statistics are written to STATS_FILE when the command exits,
which `chatbot serve` does after a graceful stop on SIGTERM.
"""

from __future__ import annotations

import cProfile
import signal
import sys
from types import FrameType

from bot.cli.root import main as chatbot


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit("usage: python -m bench.profiled_serve STATS_FILE serve [options]")
    stats_path, args = argv[0], argv[1:]
    profiler = cProfile.Profile()

    def start(_number: int, _frame: FrameType | None) -> None:
        profiler.enable()

    signal.signal(signal.SIGUSR1, start)
    try:
        chatbot.main(args, prog_name="chatbot")
    finally:
        profiler.disable()
        profiler.dump_stats(stats_path)


if __name__ == "__main__":
    main(sys.argv[1:])
