"""The profile in the report puts each function's self time in the right group and leaves idle time out."""

from __future__ import annotations

import cProfile
import json
import sqlite3
from dataclasses import asdict
from pathlib import Path

import pytest

from bench import cpu_profile
from bench.cpu_profile import (
    AIOHTTP,
    ASYNCIO,
    BUILTINS,
    HTTPX,
    OTHER,
    PROJECT,
    SQLALCHEMY,
    SQLITE,
    ProfileSummary,
    origin,
    profile_tables,
    summarize,
)

ROOT = Path("/srv/chatbot")
STDLIB = Path("/usr/lib/python3.11")
SITE = "/srv/chatbot/.venv/lib/python3.11/site-packages"


@pytest.mark.parametrize(
    ("filename", "function", "package", "group"),
    [
        (f"{SITE}/sqlalchemy/orm/session.py", "flush", "sqlalchemy", SQLALCHEMY),
        ("~", "<method 'switch' of 'greenlet.greenlet' objects>", "greenlet", SQLALCHEMY),
        ("~", "<method 'execute' of 'sqlite3.Cursor' objects>", "sqlite3", SQLITE),
        ("~", "<built-in method _sqlite3.connect>", "_sqlite3", SQLITE),
        (f"{SITE}/httpcore/_async/connection_pool.py", "handle_async_request", "httpcore", HTTPX),
        (f"{SITE}/anyio/abc/_sockets.py", "extra_attributes", "anyio", HTTPX),
        (f"{SITE}/aiohttp/web_protocol.py", "data_received", "aiohttp", AIOHTTP),
        ("~", "<method 'feed_data' of 'aiohttp._http_parser.HttpRequestParser' objects>", "aiohttp", AIOHTTP),
        ("/srv/chatbot/storage/sqlite_inline.py", "_execute", "storage", PROJECT),
        ("/srv/chatbot/bot/engine/intents/scorer.py", "_dot", "bot", PROJECT),
        ("/usr/lib/python3.11/asyncio/base_events.py", "_run_once", "asyncio", ASYNCIO),
        ("~", "<method 'run' of '_contextvars.Context' objects>", "_contextvars", ASYNCIO),
        ("~", "<method 'get' of 'dict' objects>", "builtins", BUILTINS),
        ("~", "<built-in method builtins.isinstance>", "builtins", BUILTINS),
        ("~", "<built-in method __exit__ of _thread.lock object at 0x7f00>", "_thread", BUILTINS),
        ("/usr/lib/python3.11/json/encoder.py", "iterencode", "json", OTHER),
        ("<string>", "__init__", "generated code", OTHER),
        ("<frozen importlib._bootstrap>", "_find_and_load", "importlib", OTHER),
    ],
)
def test_each_function_is_put_with_its_package(
    filename: str, function: str, package: str, group: str
) -> None:
    found, _part = origin(filename, function, ROOT, STDLIB)

    assert found == package
    assert cpu_profile.group_of(found, filename) == group


def entry(calls: int, self_seconds: float) -> tuple[int, int, float, float, dict[object, object]]:
    return (calls, calls, self_seconds, self_seconds, {})


def test_shares_are_of_the_busy_time_and_idle_waiting_is_left_out() -> None:
    stats = {
        ("~", 0, "<method 'poll' of 'select.epoll' objects>"): entry(50, 6.0),  # idle
        (f"{SITE}/sqlalchemy/orm/session.py", 4000, "flush"): entry(10, 2.0),
        (f"{SITE}/sqlalchemy/engine/base.py", 1800, "_execute_context"): entry(30, 1.0),
        ("~", 0, "<method 'execute' of 'sqlite3.Cursor' objects>"): entry(30, 0.5),
        ("/srv/chatbot/bot/pipeline/turn.py", 10, "run_turn"): entry(10, 0.5),
    }

    summary = summarize(stats, turns=10, root=ROOT, stdlib=STDLIB, top=2)

    shares = {group.group: group.share for group in summary.groups}
    assert shares[SQLALCHEMY] == pytest.approx(0.75)
    assert shares[SQLITE] == shares[PROJECT] == pytest.approx(0.125)
    assert shares[ASYNCIO] == 0.0  # epoll's wait is idle time, not the event loop's work
    assert (summary.busy_seconds, summary.idle_seconds) == (4.0, 6.0)
    largest = next(group.largest for group in summary.groups if group.group == SQLALCHEMY)
    assert largest == (("sqlalchemy/orm", pytest.approx(0.5)), ("sqlalchemy/engine", pytest.approx(0.25)))
    assert [f.function for f in summary.functions] == [
        "sqlalchemy/orm/session.py:4000 flush",
        "sqlalchemy/engine/base.py:1800 _execute_context",
    ]
    assert summary.functions[1].calls == 30


def test_the_tables_give_shares_and_calls_per_turn() -> None:
    stats = {
        (f"{SITE}/sqlalchemy/orm/session.py", 4000, "flush"): entry(20, 3.0),
        ("~", 0, "<method 'execute' of 'sqlite3.Cursor' objects>"): entry(300, 1.0),
    }
    # As the report gets it: the summary, as the raw JSON holds it.
    summary = ProfileSummary.from_dict(
        json.loads(json.dumps(asdict(summarize(stats, turns=10, root=ROOT, stdlib=STDLIB))))
    )

    lines = profile_tables(summary)

    assert lines[2] == f"| {SQLALCHEMY} | 75.0% | sqlalchemy/orm 75% |"
    assert "| `sqlalchemy/orm/session.py:4000 flush` | SQLAlchemy | 75.0% | 2.0 |" in lines
    assert "| `<method 'execute' of 'sqlite3.Cursor' objects>` | sqlite3 | 25.0% | 30.0 |" in lines


def test_a_stats_file_written_by_cprofile_is_read(tmp_path: Path) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    with sqlite3.connect(":memory:") as connection:
        for number in range(50):
            connection.execute("SELECT ?", (number,)).fetchall()
    profiler.disable()
    profiler.dump_stats(tmp_path / "server.pstats")

    summary = cpu_profile.load(tmp_path / "server.pstats", turns=50, root=ROOT, top=50)

    assert sum(group.share for group in summary.groups) == pytest.approx(1.0)
    execute = next(f for f in summary.functions if "sqlite3.Connection" in f.function)
    assert (execute.group, execute.calls) == (SQLITE, 50)
