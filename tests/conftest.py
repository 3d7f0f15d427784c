"""Shared fixtures: a migrated database per test on SQLite and, when configured, on PostgreSQL.

SQLite tests copy a database migrated once per session; PostgreSQL tests share one migrated database
(CHATBOT_TEST_POSTGRES_URL, a throwaway one in CI) and empty its tables before each test. Under
pytest-xdist (`make test` runs two processes) each worker has a PostgreSQL database of its own, created
beside the given one: see tests/support/postgres.py.

A test that asks for ``demo`` starts from the demo tenant seeded once per session rather than seeded again:
on SQLite it copies a template that has it, on PostgreSQL the emptied tables are filled again from a
snapshot taken right after seeding. Seeding per test (a few dozen queries) was about a fifth of the
suite's time; the rows, ids and report are the same as a fresh seed's.
"""

from __future__ import annotations

import asyncio
import copy
import faulthandler
import gc
import os
import shutil
import sys
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings, load_settings
from bot.security import CredentialBox
from bot.tenancy.demo.seed import DemoReport, seed_demo
from storage.db import create_engine, session_factory, transaction
from storage.migrate import upgrade
from storage.models import Base
from tests.support.platforms import world
from tests.support.postgres import create_database, drop_database, worker_url

GIVEN_POSTGRES_URL = os.environ.get("CHATBOT_TEST_POSTGRES_URL", "")
# This process's own database: the given one, or under xdist the worker's (chatbot_test_gw0, ...).
POSTGRES_URL = worker_url(GIVEN_POSTGRES_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))
# CI must run the PostgreSQL tests (several workers claiming at once only run there): without a
# database the run is an error, never a quiet skip. A developer's machine may run on SQLite only.
POSTGRES_REQUIRED = (
    os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    or os.environ.get("CHATBOT_CI_REQUIRE_POSTGRES", "").strip() == "1"
)
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
KEPT_TABLES = {"plans", "alembic_version"}
# Where the PostgreSQL database keeps the migrated plans, to put back what a test changed, and the demo
# tenant's rows, to fill the emptied tables again.
SNAPSHOT_SCHEMA = "test_snapshot"
# Set by ``db_url`` when the test's database already holds the demo tenant: its report.
DEMO_SEEDED = pytest.StashKey[DemoReport]()
T = TypeVar("T")

__all__ = ["sqlite_copy", "world"]

requires_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="CHATBOT_TEST_POSTGRES_URL is not set")

# The modules whose tests take tens of seconds each (live servers, child processes, fuzzing). They run
# first: pytest-xdist's worksteal hands each worker a half of the list and lets an idle one take the
# other's remaining tests, which balances well when what is left at the end is many short tests, and
# leaves one worker idle while the other finishes when it is one long test.
LONG_RUNNING_MODULES = (
    "tests/web/api/test_openapi_fuzz.py",
    "tests/cli/test_serve_restart.py",
    "tests/bench/test_load.py",
    "tests/web/agent/test_agent_openapi_fuzz.py",
    "tests/cli/test_serve_workers.py",
)


def pytest_configure(config: pytest.Config) -> None:
    if POSTGRES_REQUIRED and not POSTGRES_URL:
        raise pytest.UsageError(
            "PostgreSQL is required here (CI=true or CHATBOT_CI_REQUIRE_POSTGRES=1) but "
            "CHATBOT_TEST_POSTGRES_URL is not set; the PostgreSQL tests would be skipped. "
            "Set it to an empty database, e.g. postgresql://postgres@127.0.0.1:5432/chatbot_test"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """LONG_RUNNING_MODULES' tests first, everything else in the order it was collected."""
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in LONG_RUNNING_MODULES)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    own_database = POSTGRES_URL != GIVEN_POSTGRES_URL
    if own_database:
        create_database(GIVEN_POSTGRES_URL, POSTGRES_URL)
    upgrade(POSTGRES_URL)
    _run_aside(
        _execute_postgres(
            POSTGRES_URL,
            f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE",
            f"CREATE SCHEMA {SNAPSHOT_SCHEMA}",
            f"CREATE TABLE {SNAPSHOT_SCHEMA}.plans AS SELECT * FROM plans",  # noqa: S608
        )
    )
    try:
        yield POSTGRES_URL
    finally:
        if own_database:
            drop_database(GIVEN_POSTGRES_URL, POSTGRES_URL)
        else:
            _run_aside(_execute_postgres(POSTGRES_URL, f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE"))


def _run_aside(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end in a thread with its own event loop (a session fixture may be first
    asked for from inside a test's running loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _seed_demo_at(url: str, secret_key: str) -> DemoReport:
    engine = create_engine(url)
    try:
        async with transaction(session_factory(engine)) as session:
            return await seed_demo(session, CredentialBox(secret_key.encode()))
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class DemoTemplate:
    """A migrated SQLite database with the demo tenant seeded, and the seed's report."""

    path: Path
    report: DemoReport


@pytest.fixture(scope="session")
def sqlite_demo_template(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, secret_key: str
) -> DemoTemplate:
    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    shutil.copy(sqlite_template, path)
    report = _run_aside(_seed_demo_at(f"sqlite+aiosqlite:///{path}", secret_key))
    return DemoTemplate(path, report)


@dataclass(frozen=True)
class DemoSnapshot:
    """The statement that empties the PostgreSQL database and fills it again with the demo tenant."""

    restore: str
    report: DemoReport


@pytest.fixture(scope="session")
def postgres_demo_snapshot(postgres_migrated: str, secret_key: str) -> DemoSnapshot:
    url = postgres_migrated

    async def take() -> DemoSnapshot:
        await _empty_postgres(url)
        report = await _seed_demo_at(url, secret_key)
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                seeded = []
                for table in _emptied_tables():
                    if await conn.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {table.name})")):  # noqa: S608
                        seeded.append(table)
                        await conn.execute(
                            text(
                                f"CREATE TABLE {SNAPSHOT_SCHEMA}.{table.name} "  # noqa: S608
                                f"AS SELECT * FROM {table.name}"
                            )
                        )
        finally:
            await engine.dispose()
        # Parents before children; each sequence where the seed left it.
        inserts = "".join(
            f"INSERT INTO {t.name} SELECT * FROM {SNAPSHOT_SCHEMA}.{t.name}; "  # noqa: S608
            for t in seeded
        )
        restarts = "".join(
            f"PERFORM setval(pg_get_serial_sequence('{t.name}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {t.name}), false); "
            for t in seeded
            if "id" in t.c
        )
        return DemoSnapshot(_emptying_block(f"{inserts}{restarts}"), report)

    return _run_aside(take())


def _emptied_tables() -> list[Any]:
    """The tables a test starts with empty, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in KEPT_TABLES]


def _emptying_block(then: str = "") -> str:
    """One statement that empties every table but KEPT_TABLES, restarts their id sequences and puts the
    plans back as migrated (a test may change a plan's rates; SQLite tests get a fresh copy anyway).

    DELETE, children before parents, rather than TRUNCATE: TRUNCATE gives each of its tables new
    files, which costs about a second per test on a busy machine, while DELETE of a few rows is cheap.
    One DO block, so the whole reset is a single round trip; ``then`` (PL/pgSQL statements) runs last in it.
    """
    # The names come from our own models, never from input.
    emptied = _emptied_tables()
    deletes = "".join(f"DELETE FROM {t.name}; " for t in reversed(emptied))  # noqa: S608
    # As RESTART IDENTITY did: tests may expect the first tenant, customer, ... to get id 1.
    # (setval of NULL, for a table whose id has no sequence, does nothing.)
    restarts = "".join(
        f"PERFORM setval(pg_get_serial_sequence('{t.name}', 'id'), 1, false); "
        for t in emptied
        if "id" in t.c
    )
    # Nothing refers to a plan once the tables above are empty.
    plans = f"DELETE FROM plans; INSERT INTO plans SELECT * FROM {SNAPSHOT_SCHEMA}.plans; "  # noqa: S608
    return f"DO $$ BEGIN {deletes}{restarts}{plans}{then}END $$"


async def _execute_postgres(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def _empty_postgres(url: str) -> None:
    await _execute_postgres(url, _emptying_block())


def sqlite_copy(template: Path, folder: Path) -> str:
    """The URL of a fresh copy of the migrated SQLite template in ``folder``."""
    path = folder / "chatbot.db"
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


def wants_demo(request: pytest.FixtureRequest) -> bool:
    return "demo" in request.fixturenames


def sqlite_database(request: pytest.FixtureRequest, folder: Path) -> str:
    """The URL of the test's SQLite database in ``folder``: a copy of the migrated template, with the demo
    tenant already in it when the test asks for ``demo``."""
    if wants_demo(request):
        template: DemoTemplate = request.getfixturevalue("sqlite_demo_template")
        request.node.stash[DEMO_SEEDED] = copy.deepcopy(template.report)
        return sqlite_copy(template.path, folder)
    return sqlite_copy(request.getfixturevalue("sqlite_template"), folder)


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_database(request, tmp_path)
    url: str = request.getfixturevalue("postgres_migrated")
    if wants_demo(request):
        snapshot: DemoSnapshot = request.getfixturevalue("postgres_demo_snapshot")
        await _execute_postgres(url, snapshot.restore)
        request.node.stash[DEMO_SEEDED] = copy.deepcopy(snapshot.report)
    else:
        await _empty_postgres(url)
    return url


@pytest.fixture(scope="session")
def secret_key() -> str:
    """One key per session: the demo templates' channel secrets are sealed with it."""
    return Fernet.generate_key().decode()


@pytest.fixture
def settings(tmp_path: Path, db_url: str, secret_key: str) -> Settings:
    return load_settings(
        {},
        data_dir=tmp_path,
        database_url=db_url,
        secret_key=secret_key,
        # New work wakes the loops at once; the poll only finds retries that came due and lapsed
        # leases. At 0.05 s the idle loops of a running app (inbox, outbox, auto-assign) claimed 60+
        # times a second and took the turns of the one SQLite connection from the requests under test:
        # at 0.25 s the pipeline and agent tests took about half the time.
        poll_interval_seconds=0.25,
        lease_seconds=5.0,
        retry_base_seconds=0.05,
        max_attempts=3,
        outbox_max_attempts=3,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.effective_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(db: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(db)


@pytest.fixture
def box(secret_key: str) -> CredentialBox:
    return CredentialBox(secret_key.encode())


@pytest.fixture
async def demo(
    request: pytest.FixtureRequest, sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> DemoReport:
    seeded = request.node.stash.get(DEMO_SEEDED, None)
    if seeded is not None:  # the test's database was made with the demo tenant in it (db_url)
        return seeded
    async with transaction(sessions) as session:
        return await seed_demo(session, box)


STUCK_AFTER_SECONDS = float(os.environ.get("CHATBOT_TEST_STUCK_SECONDS", "180"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[object]:
    """A test (set-up and tear-down included) still running after STUCK_AFTER_SECONDS prints every
    asyncio task's stack, to show where it waits (it is not stopped: the CI time limit does that)."""
    timer = threading.Timer(STUCK_AFTER_SECONDS, _print_stuck_tasks, args=(item.nodeid,))
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()


def _print_stuck_tasks(nodeid: str) -> None:
    # The real stderr: pytest captures sys.stderr while a test runs and would keep this to itself.
    out = sys.__stderr__
    print(f"\n{nodeid} has run for {STUCK_AFTER_SECONDS:g}s; its asyncio tasks:", file=out)
    for task in [obj for obj in gc.get_objects() if isinstance(obj, asyncio.Task) and not obj.done()]:
        print(f"--- {task.get_name()}", file=out)
        task.print_stack(file=out)
    faulthandler.dump_traceback(file=out)
    out.flush()
