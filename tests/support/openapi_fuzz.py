"""Shared pieces of the schemathesis tests of /api/v1/openapi.json (tests/web/api/test_openapi_fuzz.py for
the admin API, tests/web/agent/test_agent_openapi_fuzz.py for the agent API): bounded, reproducible runs
of a strategy, the checks every answer must pass, and the operations of one API of the document.

Bounded and reproducible: ``derandomize=True``, no example database, no shrinking, a few examples per
operation (CHATBOT_FUZZ_EXAMPLES, 10 by default; half of that where random ids name no row, see
``random_id_examples``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy
from schemathesis import APIOperation, Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.config import Settings
from tests.support.live_api import LiveApi, ServerThread

EXAMPLES = int(os.environ.get("CHATBOT_FUZZ_EXAMPLES", "10"))
# The largest id a path accepts (18 digits): no row has it.
MISSING_ID = 10**18 - 1
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PATH_PARAM = re.compile(r"{(\w+)}")
AGENT_TOKEN = [{"agentToken": []}]


@pytest.fixture
def live(settings: Settings) -> Iterator[LiveApi]:
    """The real app on a free port (tests/support/live_api.py), stopped after the test."""
    server = ServerThread(settings)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def operations(schema: schemathesis.BaseSchema, *, agent: bool) -> list[APIOperation]:
    """The admin API's operations (the document's default security) or the agent API's (the agent token)."""
    found = [
        operation
        for operation in (result.ok() for result in schema.get_all_operations())
        if (operation.definition.raw.get("security") == AGENT_TOKEN) == agent
    ]
    assert found, "the OpenAPI document lists no operation of this API"
    return found


def random_id_examples(operation: APIOperation) -> int:
    """How many requests with generated (random) ids an operation gets: half of EXAMPLES when its path has
    ids, for such ids name no row and its valid requests mostly end at the same not-found answer; the
    tests' run on a real row of tenant A gets the whole EXAMPLES. An operation without ids gets it all."""
    return max(1, EXAMPLES // 2) if PATH_PARAM.search(operation.path) else EXAMPLES


def examples(strategy: SearchStrategy[Case], count: int) -> list[Case]:
    """The first ``count`` cases the (derandomized) strategy draws: the same on every run."""
    drawn: list[Case] = []

    @fuzz_settings(count)
    @given(case=strategy)
    def draw(case: Case) -> None:
        drawn.append(case)

    draw()
    return drawn


def fuzz(
    label: str, strategy: SearchStrategy[Case], check: Callable[[Case], None], count: int = EXAMPLES
) -> list[str]:
    """Run ``check`` on ``count`` cases; the failure (schemathesis says what and how to repeat it)."""

    @fuzz_settings(count)
    @given(case=strategy)
    def run(case: Case) -> None:
        check(case)

    try:
        run()
    except Exception as failure:
        return [f"{label}: {failure}"]
    return []


def refusal(answer: requests.Response | schemathesis.Response) -> tuple[int, Any, Any]:
    """Status, error code and field: what tells one refusal from another (the message names the id)."""
    error = answer.json().get("error", {}) if answer.status_code >= 400 else {}
    return answer.status_code, error.get("code"), error.get("field")


def fill(path: str, ids: dict[str, int]) -> str:
    return PATH_PARAM.sub(lambda m: str(ids[m.group(1)]), path)
