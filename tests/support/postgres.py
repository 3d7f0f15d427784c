"""One PostgreSQL test database per pytest-xdist worker, made beside the one the run was given.

`make test` runs the suite on two processes (pytest-xdist). Each empties its database before every
test, so two of them cannot share one: worker ``gw0`` of a run given ``.../chatbot_test`` works in
``.../chatbot_test_gw0``, which it creates (through a connection to the given database, so no other
database has to exist or be reachable) and drops when it ends.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import create_engine


def worker_url(url: str, worker: str) -> str:
    """The database of xdist worker ``worker`` (e.g. 'gw0'); ``url`` itself outside xdist."""
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _administer(admin_url: str, statements: list[str]) -> None:
    engine = create_engine(admin_url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _run(admin_url: str, statements: list[str]) -> None:
    # In a thread with a loop of its own: the caller may be a fixture of a test whose loop is running.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _administer(admin_url, statements)).result()


def create_database(admin_url: str, url: str) -> None:
    """Create the (empty) database of ``url``, dropping what an interrupted earlier run left there."""
    name = _quoted(str(make_url(url).database))
    _run(admin_url, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"])


def drop_database(admin_url: str, url: str) -> None:
    _run(admin_url, [f"DROP DATABASE IF EXISTS {_quoted(str(make_url(url).database))} WITH (FORCE)"])
