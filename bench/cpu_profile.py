"""Where a profiled server's time went: cProfile's self time (tottime) by package, and the top functions.

Self time, not cumulative time: the cumulative time of a coroutine counts every resumption from its
first to its last, other tasks' work in between included, so it says little in an event loop. The
time the event loop spends waiting in ``epoll`` (or another selector) is idle, not work: it is set
apart, and every share is of the rest.
"""

from __future__ import annotations

import pstats
import sysconfig
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Each group, and what puts a function in it: the top-level package of its file, or the module in the
# name cProfile gives a C function (``<method 'execute' of 'sqlite3.Cursor' objects>``).
SQLALCHEMY = "SQLAlchemy (with greenlet)"
SQLITE = "sqlite3 (its C calls), aiosqlite"
HTTPX = "httpx, httpcore, h11, anyio"
AIOHTTP = "aiohttp (with multidict, yarl, propcache)"
PROJECT = "the project (bot/, storage/, adapters/, prompts/)"
ASYNCIO = "asyncio (the event loop, tasks, selectors)"
BUILTINS = "other C functions (builtins, json, hashing, ...)"
OTHER = "other Python (stdlib, other libraries)"
GROUPS = (SQLALCHEMY, SQLITE, HTTPX, AIOHTTP, PROJECT, ASYNCIO, BUILTINS, OTHER)
PACKAGES = {
    "sqlalchemy": SQLALCHEMY,
    "greenlet": SQLALCHEMY,  # SQLAlchemy's asyncio layer runs its sync core in greenlets
    "sqlite3": SQLITE,
    "_sqlite3": SQLITE,
    "aiosqlite": SQLITE,
    "httpx": HTTPX,
    "httpcore": HTTPX,
    "h11": HTTPX,
    "anyio": HTTPX,
    "sniffio": HTTPX,
    "aiohttp": AIOHTTP,
    "multidict": AIOHTTP,
    "yarl": AIOHTTP,
    "propcache": AIOHTTP,
    "frozenlist": AIOHTTP,
    "aiosignal": AIOHTTP,
    "bot": PROJECT,
    "storage": PROJECT,
    "adapters": PROJECT,
    "prompts": PROJECT,
    "asyncio": ASYNCIO,
    "_asyncio": ASYNCIO,
    "selectors": ASYNCIO,
    "select": ASYNCIO,
    "_contextvars": ASYNCIO,  # the loop runs each callback in Context.run
}
# Where the event loop waits for I/O.
IDLE = frozenset(
    f"<method '{name}' of 'select.{kind}' objects>"
    for kind, name in (("epoll", "poll"), ("poll", "poll"), ("kqueue", "control"))
) | {"<built-in method select.select>"}
STDLIB = Path(sysconfig.get_paths()["stdlib"])

Key = tuple[str, int, str]


@dataclass(frozen=True)
class GroupShare:
    group: str
    share: float  # of the profiled self time, idle excluded
    # The parts that weigh most in it (sub-packages, modules, C modules), with their shares.
    largest: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class FunctionShare:
    function: str
    group: str
    share: float
    calls: int


@dataclass(frozen=True)
class ProfileSummary:
    busy_seconds: float
    idle_seconds: float
    turns: int
    groups: tuple[GroupShare, ...]
    functions: tuple[FunctionShare, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProfileSummary:
        return cls(
            busy_seconds=float(data["busy_seconds"]),
            idle_seconds=float(data["idle_seconds"]),
            turns=int(data["turns"]),
            groups=tuple(
                GroupShare(g["group"], g["share"], tuple((n, s) for n, s in g["largest"]))
                for g in data["groups"]
            ),
            functions=tuple(FunctionShare(**f) for f in data["functions"]),
        )


def origin(filename: str, function: str, root: Path, stdlib: Path = STDLIB) -> tuple[str, str]:
    """The top-level package (or C module) a profiled function belongs to, and a finer part of it
    (``sqlalchemy/orm``, ``storage/sqlite_inline.py``); ("", "") when none can be told."""
    if filename == "~":  # a C function: cProfile names its module, or its type's
        if function.startswith("<method '"):  # <method 'execute' of 'sqlite3.Cursor' objects>
            owner = function.split(" of '", 1)[-1].split("'", 1)[0]
        else:  # <built-in method _json.scanstring>, <built-in method close of X object at 0x...>
            owner = function.removeprefix("<built-in method ").removesuffix(">")
            if " of " in owner:
                owner = owner.split(" of ", 1)[1].split(" object at ", 1)[0]
        module = owner.split(".", 1)[0] if "." in owner else "builtins"
        return module, module
    if filename.startswith("<frozen "):  # <frozen importlib._bootstrap>
        module = filename.removeprefix("<frozen ").removesuffix(">").split(".", 1)[0]
        return module, module
    if filename == "<string>":  # dataclasses' and SQLAlchemy's generated methods
        return "generated code", "generated code"
    relative = _relative(Path(filename), root, stdlib)
    if relative is None or not relative.parts:
        return "", ""
    parts = relative.parts
    return parts[0].removesuffix(".py"), "/".join(parts[:2])


def _relative(path: Path, root: Path, stdlib: Path) -> Path | None:
    parts = path.parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            return Path(*parts[parts.index(marker) + 1 :])
    for base in (stdlib, root):
        if path.is_relative_to(base):
            return path.relative_to(base)
    return None


def group_of(package: str, filename: str) -> str:
    if package in PACKAGES:
        return PACKAGES[package]
    return BUILTINS if filename == "~" else OTHER


def label(key: Key, root: Path, stdlib: Path = STDLIB) -> str:
    """``sqlalchemy/engine/base.py:1810 _execute_context``, or a C function's name as cProfile gives it."""
    filename, line, function = key
    if filename == "~":
        return function
    relative = _relative(Path(filename), root, stdlib)
    return f"{relative or filename}:{line} {function}"


def summarize(
    stats: Mapping[Key, tuple[Any, ...]], *, turns: int, root: Path, top: int = 15, stdlib: Path = STDLIB
) -> ProfileSummary:
    """Shares of self time by group, and the ``top`` functions by self time, from pstats' raw table."""
    idle = sum(float(entry[2]) for key, entry in stats.items() if key[0] == "~" and key[2] in IDLE)
    busy = {key: entry for key, entry in stats.items() if not (key[0] == "~" and key[2] in IDLE)}
    total = sum(float(entry[2]) for entry in busy.values())
    by_group: defaultdict[str, float] = defaultdict(float)
    by_part: dict[str, defaultdict[str, float]] = {group: defaultdict(float) for group in GROUPS}
    groups_of: dict[Key, str] = {}
    for key, entry in busy.items():
        package, part = origin(key[0], key[2], root, stdlib)
        group = groups_of[key] = group_of(package, key[0])
        by_group[group] += float(entry[2])
        by_part[group][part or "(unknown)"] += float(entry[2])

    def share(seconds: float) -> float:
        return seconds / total if total > 0 else 0.0

    groups = tuple(
        GroupShare(
            group, share(by_group[group]), tuple((n, share(s)) for n, s in _largest(by_part[group], 3))
        )
        for group in GROUPS
    )
    heaviest = sorted(busy.items(), key=lambda item: float(item[1][2]), reverse=True)[:top]
    functions = tuple(
        FunctionShare(
            function=label(key, root, stdlib),
            group=groups_of[key],
            share=share(float(entry[2])),
            calls=int(entry[1]),
        )
        for key, entry in heaviest
    )
    return ProfileSummary(
        busy_seconds=total, idle_seconds=idle, turns=turns, groups=groups, functions=functions
    )


def _largest(seconds: Mapping[str, float], count: int) -> list[tuple[str, float]]:
    return sorted(seconds.items(), key=lambda item: item[1], reverse=True)[:count]


def load(path: Path, *, turns: int, root: Path, top: int = 15) -> ProfileSummary:
    """Summarize a stats file written by ``cProfile.Profile.dump_stats``."""
    raw: Mapping[Key, tuple[Any, ...]] = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    return summarize(raw, turns=turns, root=root, top=top)


def profile_tables(summary: ProfileSummary) -> list[str]:
    """The report's two tables: self time by group, and the heaviest functions."""
    lines = ["| group | share of self time | largest parts of it |", "| --- | ---: | --- |"]
    for group in sorted(summary.groups, key=lambda g: g.share, reverse=True):
        largest = ", ".join(f"{name} {share:.0%}" for name, share in group.largest if share >= 0.005)
        lines.append(f"| {group.group} | {group.share:.1%} | {largest} |")
    per_turn = summary.turns > 0
    lines += [
        "",
        "| function (by self time) | group | share | calls" + (" per turn |" if per_turn else " |"),
        "| --- | --- | ---: | ---: |",
    ]
    for function in summary.functions:
        calls = f"{function.calls / summary.turns:,.1f}" if per_turn else f"{function.calls:,}"
        name = function.function.replace("|", "\\|")
        lines.append(f"| `{name}` | {function.group.split(' (')[0]} | {function.share:.1%} | {calls} |")
    return lines
