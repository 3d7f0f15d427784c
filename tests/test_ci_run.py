""".ci/run and the test suite under CI: PostgreSQL is required there, and its absence fails the run."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, requires_postgres

ROOT = Path(__file__).resolve().parents[1]
CI_RUN = ROOT / ".ci" / "run"
# Variables of the caller's own run that would change what these runs decide.
CALLER_VARIABLES = (
    "CI",
    "CHATBOT_CI_REQUIRE_POSTGRES",
    "CHATBOT_CI_DRY_RUN",
    "CHATBOT_TEST_POSTGRES_URL",
    "PG_HOST",
    "PG_PORT",
    "PG_USER",
)
# Stands in for make, so that .ci/run can never start the whole suite from inside it.
STAND_IN_MAKE = """#!/bin/sh
if [ "$1" = "--version" ]; then echo "GNU Make (stand-in)"; exit 0; fi
echo "make $* must not run from the tests" >&2
exit 97
"""

Run = Callable[..., subprocess.CompletedProcess[str]]


def closed_port() -> int:
    """A local port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Its own process group, so that a run that hangs is ended with everything it started.
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def environment(path: str, **variables: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CALLER_VARIABLES}
    env.update(PATH=path, **variables)
    return env


@pytest.fixture
def ci_run(tmp_path: Path) -> Run:
    """.ci/run up to the point where it would start `make test` (which a stand-in refuses anyway)."""
    make = tmp_path / "make"
    make.write_text(STAND_IN_MAKE)
    make.chmod(make.stat().st_mode | stat.S_IXUSR)
    path = f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}"

    def go(**variables: str) -> subprocess.CompletedProcess[str]:
        return run(["bash", str(CI_RUN)], environment(path, CHATBOT_CI_DRY_RUN="1", **variables))

    return go


def test_ci_fails_before_any_test_when_postgresql_cannot_be_reached(ci_run: Run) -> None:
    result = ci_run(CI="true", PG_PORT=str(closed_port()))

    assert result.returncode == 1
    assert "is not reachable, and CI=true requires it" in result.stderr
    assert "test databases" not in result.stdout


def test_requiring_postgresql_explicitly_fails_the_same_way(ci_run: Run) -> None:
    result = ci_run(CHATBOT_CI_REQUIRE_POSTGRES="1", PG_PORT=str(closed_port()))

    assert result.returncode == 1
    assert "CHATBOT_CI_REQUIRE_POSTGRES=1 requires it" in result.stderr


def test_an_unreachable_database_named_by_the_caller_fails_without_printing_its_password(ci_run: Run) -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{closed_port()}/chatbot"

    result = ci_run(CHATBOT_TEST_POSTGRES_URL=url)

    assert result.returncode == 1
    assert "is not reachable" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_a_developer_machine_without_postgresql_runs_sqlite_only_with_a_loud_warning(ci_run: Run) -> None:
    result = ci_run(PG_PORT=str(closed_port()))

    assert result.returncode == 0, result.stderr
    assert "WARNING" in result.stderr
    assert "the suite runs on SQLite ONLY" in result.stderr
    assert "test databases: SQLite only (PostgreSQL unavailable)" in result.stdout


@requires_postgres
def test_ci_with_postgresql_runs_the_suite_on_both_databases(ci_run: Run) -> None:
    result = ci_run(CI="true", CHATBOT_TEST_POSTGRES_URL=POSTGRES_URL)

    assert result.returncode == 0, result.stderr
    assert "test databases: SQLite and PostgreSQL" in result.stdout


def test_the_suite_under_ci_without_a_postgresql_url_is_an_error_not_a_skip() -> None:
    command = [sys.executable, "-m", "pytest", "-p", "no:warnings", "tests/test_prompts.py"]

    result = run(command, environment(os.environ.get("PATH", ""), CI="true"))

    assert result.returncode == 4  # pytest's usage error: nothing ran, nothing was skipped
    assert "CHATBOT_TEST_POSTGRES_URL is not set" in result.stderr
    assert "passed" not in result.stdout
