"""Throwaway PostgreSQL databases for the ``pg:<n>`` scenarios: one template, prepared once, and a copy of
it per run (``CREATE DATABASE ... TEMPLATE``, far quicker than migrating and seeding again), all dropped
at the end. They are named ``chatbot_bench_<pid>_...``, so a benchmark never touches another's.
"""

from __future__ import annotations

import asyncio
import os
import re

import asyncpg
from sqlalchemy.engine import make_url

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT = 10.0


class PgDatabases:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.prefix = f"chatbot_bench_{os.getpid()}"
        self.made: list[str] = []

    def name(self, label: str) -> str:
        return f"{self.prefix}_{re.sub(r'[^a-z0-9_]', '_', label.lower())}"[:63]

    def url(self, name: str) -> str:
        """The database's URL for `chatbot` (CHATBOT_DATABASE_URL)."""
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, *, template: str | None = None) -> str:
        copy = f" TEMPLATE {template}" if template else ""
        self._run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}{copy}")
        self.made.append(name)
        return self.url(name)

    def drop(self, name: str) -> None:
        self._run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if name in self.made:
            self.made.remove(name)

    def unreachable(self) -> str:
        """Why the server cannot be used (cannot connect, or log in), or "" when it can."""
        try:
            self._run("SELECT 1")
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return ""

    def drop_all(self) -> None:
        for name in reversed(list(self.made)):
            self.drop(name)

    def _run(self, *statements: str) -> None:
        async def run() -> None:
            connection = await asyncpg.connect(self.admin_url, timeout=CONNECT_TIMEOUT)
            try:
                for statement in statements:
                    await connection.execute(statement)
            finally:
                await connection.close()

        asyncio.run(run())
