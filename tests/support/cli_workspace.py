"""The `chatbot` command line pointed at a data directory with a SQLite file, as an operator runs it.

``Workspace.run`` runs a command in this process through click's CliRunner, with the environment, stdin,
stdout, stderr and exit code a real `python -m bot` would have: starting an interpreter and importing
the runtime costs about two seconds of CPU per command, which over a hundred commands was a sixth of
the whole suite. ``Workspace.run_process`` runs it in a real subprocess, for what only a process shows
(the entry point, `chatbot serve`); the prepared workspace that every CLI test copies is made that way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from bot.cli.root import main

# What `python -m bot` would show in its usage lines.
PROG_NAME = "python -m bot"


def _is_ours(name: str) -> bool:
    """A variable the CLI reads: a test's run must not see the developer's or CI's own settings."""
    return name.startswith("CHATBOT_") or name == "GEMINI_API_KEY"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@dataclass(frozen=True)
class Workspace:
    """A data directory with a SQLite database, and the CLI pointed at it."""

    data_dir: Path
    db_path: Path

    def variables(self, **extra: str) -> dict[str, str]:
        """The CLI's own variables for this workspace (the rest of the environment is left as it is)."""
        return {
            "CHATBOT_DATA_DIR": str(self.data_dir),
            "CHATBOT_DATABASE_URL": f"sqlite:///{self.db_path}",
            **extra,
        }

    def env(self, **extra: str) -> dict[str, str]:
        """A whole environment for a subprocess: ours without any CHATBOT_* variable from outside."""
        env = {k: v for k, v in os.environ.items() if not _is_ours(k)}
        env["PYTHONIOENCODING"] = "utf-8"
        env.update(self.variables(**extra))
        return env

    def run(self, *args: str, stdin: str = "", **extra_env: str) -> Result:
        """`chatbot <args>` in this process, as `python -m bot` would run it in its own.

        Called from a coroutine, the command runs in a thread (it calls asyncio.run) and the caller
        waits for it, blocking its event loop as subprocess.run would; `await asyncio.to_thread(ws.run,
        ...)` keeps the loop (say, a server under test) running meanwhile.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._invoke(args, stdin, extra_env)
        with ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(self._invoke, args, stdin, extra_env).result()

    def _invoke(self, args: Sequence[str], stdin: str, extra_env: dict[str, str]) -> Result:
        # None unsets a variable for the duration of the call; CliRunner restores everything after it.
        env: dict[str, str | None] = {k: None for k in os.environ if _is_ours(k)}
        env.update(self.variables(**extra_env))
        with _logging_kept():
            result = CliRunner().invoke(main, list(args), input=stdin, env=env, prog_name=PROG_NAME)
        err = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            # The interpreter would print the traceback of an exception that escaped the command (and
            # exit 1, as CliRunner reports): tests that say "no traceback" must see it here too.
            err += "".join(traceback.format_exception(result.exception))
        return Result(result.exit_code, result.stdout, err)

    def run_process(self, *args: str, stdin: str = "", **extra_env: str) -> Result:
        """`python -m bot <args>` in a real subprocess."""
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env(**extra_env),
            timeout=120,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        # sqlite3's own context manager commits but does not close; closing() does.
        with closing(sqlite3.connect(self.db_path)) as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[object] = ()) -> object:
        return self.query(sql, params)[0][0]

    def knowledge_count(self, slug: str) -> int:
        count = self.scalar(
            "SELECT count(*) FROM knowledge_entries k JOIN tenants t ON t.id = k.tenant_id WHERE t.slug = ?",
            (slug,),
        )
        assert isinstance(count, int)
        return count


@dataclass(frozen=True)
class Prepared:
    workspace: Workspace
    upgrade: Result
    first_demo: Result
    tenant: Result


def prepare(data_dir: Path) -> Prepared:
    """`db upgrade`, `demo` and one more tenant ('acme'), through real `python -m bot` processes."""
    workspace = Workspace(data_dir, data_dir / "chatbot.db")
    upgrade = workspace.run_process("db", "upgrade")
    first_demo = workspace.run_process("demo")
    tenant = workspace.run_process("tenant", "create", "--name", "Acme Coffee", "--slug", "acme")
    return Prepared(workspace, upgrade, first_demo, tenant)


@contextmanager
def _logging_kept() -> Iterator[None]:
    """Undo what a command does to logging (each process would start afresh).

    A command installs its handler on the root logger, writing to the stderr it saw, which CliRunner
    closes afterwards; it also sets levels that pytest's own log capture depends on.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loggers = {
        name: (logger.level, logger.disabled, logger.propagate, list(logger.handlers))
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        for added in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(added)
            added.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, logger in logging.Logger.manager.loggerDict.items():
            if not isinstance(logger, logging.Logger):
                continue
            level, disabled, propagate, kept = loggers.get(name, (logging.NOTSET, False, True, []))
            logger.setLevel(level)  # also clears the loggers' cached effective levels
            logger.disabled, logger.propagate, logger.handlers[:] = disabled, propagate, kept
