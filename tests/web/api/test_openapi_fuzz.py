"""Every operation of /api/v1/openapi.json, called on a live server by schemathesis and by a tenant walk.

The server is the real app on a free port (tests/support/live_api.py) over a migrated database with the
demo tenant A (its past sales included) and a second tenant B. Nothing here names a route: whatever the
document lists is called, so a new resource is covered the day its route table is registered.

1. With A's key, schemathesis generates requests (valid ones with random ids and with A's real ids,
   and invalid ones) for every operation: no answer is a 5xx, and each has a documented status,
   content type, headers and body.
2. With B's key against A's real ids, whatever schemathesis sends is answered exactly as for an id
   that does not exist (a 404 once the body is valid), never a 2xx.
3. A deterministic walk: for every path with ids, a real row of A is found (its list route's first item)
   or made (its collection's POST, with a generated body); B calls every method of the path and gets
   404, and A's row reads the same afterwards. Lists without ids: B's list shows none of A's ids.

A path parameter whose row cannot be found or made that way (no list route, no POST) needs an entry in
ID_SOURCES saying where a real id of tenant A comes from.

The agent API's operations of the same document (the agent token's) are fuzzed by
tests/web/agent/test_agent_openapi_fuzz.py. Bounded and reproducible as tests/support/openapi_fuzz.py says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis import APIOperation, Case

from tests.support import openapi_fuzz
from tests.support.live_api import LiveApi
from tests.support.openapi_fuzz import (
    CHECKS,
    EXAMPLES,
    MISSING_ID,
    PATH_PARAM,
    examples,
    fill,
    fuzz,
    http,
    live,
    random_id_examples,
    refusal,
)

# Path parameter name -> how to get a real id of tenant A, for a parameter that the generic rule
# (first item of the list route above it, else a row made with that route's POST) cannot serve.
# A source is called with the walker, the API key and the collection's path (earlier ids filled in).
ID_SOURCES: dict[str, Callable[[Walker, str, str], int | None]] = {}

# The live server and the HTTP session are the shared fixtures of tests/support/openapi_fuzz.py.
__all__ = ["http", "live"]


@pytest.fixture
def schema(live: LiveApi) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")


def operations(schema: schemathesis.BaseSchema) -> list[APIOperation]:
    return openapi_fuzz.operations(schema, agent=False)


class Walker:
    """Finds (or makes) real rows of a tenant through the API itself, for any path of the document."""

    def __init__(self, live: LiveApi, http: requests.Session, schema: schemathesis.BaseSchema) -> None:
        self.live = live
        self.http = http
        self.schema = schema
        self.document: dict[str, Any] = schema.raw_schema

    def call(self, key: str, method: str, path: str, **kw: Any) -> requests.Response:
        return self.http.request(method, self.live.url + path, headers=self.live.auth(key), timeout=30, **kw)

    def has(self, method: str, path: str) -> bool:
        return method.lower() in self.document["paths"].get(path, {})

    def ids_for(self, key: str, path: str) -> dict[str, int] | None:
        """A real id of the key's tenant for each path parameter of ``path``, or None when none is found."""
        ids: dict[str, int] = {}
        for name in PATH_PARAM.findall(path):
            source = ID_SOURCES.get(name, Walker.row_of_collection)
            found = source(self, key, fill(path[: path.index("{" + name + "}")].rstrip("/"), ids))
            if found is None:
                return None
            ids[name] = found
        return ids

    def row_of_collection(self, key: str, collection: str) -> int | None:
        """The first item of ``GET collection``, else the id of a row made by ``POST collection``."""
        if self.has("get", collection):
            listed = self.call(key, "GET", collection)
            assert listed.status_code == 200, (collection, listed.text)
            body = listed.json()
            items = body.get("items") if isinstance(body, dict) else None
            if items:
                return int(items[0]["id"])
        if not self.has("post", collection):
            return None
        operation = self.schema[collection]["POST"]
        for case in examples(operation.as_strategy(), 25):
            made = case.call(base_url=self.live.url, session=self.http, headers=self.live.auth(key))
            if made.status_code in (200, 201) and isinstance(made.json(), dict):
                return row_id(made.json())
        return None

    def reads(self, key: str, path: str) -> tuple[int, Any, str | None]:
        answer = self.call(key, "GET", path)
        return answer.status_code, answer.json(), answer.headers.get("ETag")


def still_refused(walker: Walker, operation: APIOperation, key: str) -> bool:
    """A list (a GET without ids) that A's key can no longer read."""
    if operation.method.upper() != "GET" or PATH_PARAM.search(operation.path):
        return False
    return walker.call(key, "GET", operation.path).status_code in (401, 403)


def row_id(body: dict[str, Any]) -> int | None:
    """The id of the row an answer shows: at its top, or in its one object (``{"conversion": {...}}``);
    None for a resource whose rows have no id (the tenant's intents are named)."""
    if "id" in body:
        return int(body["id"])
    inner = [value for value in body.values() if isinstance(value, dict) and "id" in value]
    return int(inner[0]["id"]) if len(inner) == 1 else None


def test_with_a_valid_key_every_operation_answers_as_documented(
    live: LiveApi, http: requests.Session, schema: schemathesis.BaseSchema
) -> None:
    walker = Walker(live, http, schema)
    failures: list[str] = []
    key = {"a": live.key_a}

    def documented(case: Case) -> None:
        response = case.call(base_url=live.url, session=http, headers=live.auth(key["a"]))
        case.validate_response(response, checks=CHECKS)

    # Deletions last: a row of A deleted on the way cannot take the rest along. Only revoking an API
    # key may cost A the key in use (its id is as likely as any other); A then gets a new one.
    for operation in sorted(operations(schema), key=lambda op: op.method.upper() == "DELETE"):
        revokes_keys = operation.method.upper() == "DELETE" and "/api-keys/" in operation.path

        def keep_key(case: Case, revokes_keys: bool = revokes_keys) -> None:
            documented(case)
            if revokes_keys and walker.call(key["a"], "GET", "/api/v1/tenant").status_code == 401:
                key["a"] = live.new_key_a()

        failures += fuzz(operation.label, operation.as_strategy(), keep_key, random_id_examples(operation))
        failures += fuzz(
            f"{operation.label} (invalid data)",
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
            keep_key,
            count=max(1, EXAMPLES // 2),
        )
        if PATH_PARAM.search(operation.path):
            ids = walker.ids_for(key["a"], operation.path)
            assert ids is not None, f"{operation.label}: no row of tenant A; add its parameter to ID_SOURCES"
            strategy = operation.as_strategy(path_parameters=ids)
            failures += fuzz(f"{operation.label} on A's row {ids}", strategy, keep_key)

    assert failures == [], "\n\n".join(failures)
    # Still A's key at the end: the answers above were the API's, not refusals of a lost key.
    lost = [op.label for op in operations(schema) if still_refused(walker, op, key["a"])]
    assert lost == []


def test_another_tenants_key_gets_what_a_missing_id_gets_for_every_request(
    live: LiveApi, http: requests.Session, schema: schemathesis.BaseSchema
) -> None:
    walker = Walker(live, http, schema)
    failures: list[str] = []
    with_ids = [operation for operation in operations(schema) if PATH_PARAM.search(operation.path)]

    for operation in with_ids:
        ids = walker.ids_for(live.key_a, operation.path)
        assert ids is not None, f"{operation.label}: no row of tenant A; add its parameter to ID_SOURCES"
        missing = dict.fromkeys(ids, MISSING_ID)

        def as_missing(case: Case, ids: dict[str, int] = ids, missing: dict[str, int] = missing) -> None:
            answer = case.call(base_url=live.url, session=http, headers=live.auth(live.key_b))
            case.validate_response(answer, checks=CHECKS)
            case.path_parameters = missing
            nothing = case.call(base_url=live.url, session=http, headers=live.auth(live.key_b))
            case.path_parameters = ids
            assert not 200 <= answer.status_code < 300, answer.text
            assert refusal(answer) == refusal(nothing), (answer.text, nothing.text)

        strategy = operation.as_strategy(path_parameters=ids)
        failures += fuzz(f"{operation.label} with B's key on A's row {ids}", strategy, as_missing)

    assert failures == [], "\n\n".join(failures)


def test_tenant_isolation_walk_another_tenant_finds_none_of_the_first_tenants_rows(
    live: LiveApi, http: requests.Session, schema: schemathesis.BaseSchema
) -> None:
    walker = Walker(live, http, schema)
    seen: list[str] = []

    for operation in operations(schema):
        if not PATH_PARAM.search(operation.path):
            continue
        ids = walker.ids_for(live.key_a, operation.path)
        assert ids is not None, f"{operation.label}: no row of tenant A; add its parameter to ID_SOURCES"
        row = fill(operation.path, ids)
        readable = walker.has("get", operation.path)
        before = walker.reads(live.key_a, row) if readable else None

        seen.append(f"{operation.method.upper()} {row}: {walk(walker, operation, ids)}")

        if before is not None:
            assert walker.reads(live.key_a, row) == before, f"{row} changed after B's {operation.label}"

    assert seen, "the document has no path with an id"
    assert [line for line in seen if not line.endswith(": 404")] == []


def test_another_tenants_lists_show_none_of_the_first_tenants_ids(
    live: LiveApi, http: requests.Session, schema: schemathesis.BaseSchema
) -> None:
    walker = Walker(live, http, schema)
    shown: dict[str, tuple[set[int], set[int]]] = {}

    for operation in operations(schema):
        if operation.method.upper() != "GET" or PATH_PARAM.search(operation.path):
            continue
        # A row of each tenant where the collection can make one, so both lists have something to show.
        for key in (live.key_a, live.key_b):
            walker.row_of_collection(key, operation.path)
        shown[operation.path] = (
            ids_shown(walker.call(live.key_a, "GET", operation.path)),
            ids_shown(walker.call(live.key_b, "GET", operation.path)),
        )

    assert shown, "the document lists no GET without an id"
    assert any(a_ids for a_ids, _ in shown.values()), "tenant A's lists are all empty: nothing was checked"
    assert {path: a_ids & b_ids for path, (a_ids, b_ids) in shown.items() if a_ids & b_ids} == {}


def ids_shown(answer: requests.Response) -> set[int]:
    """The ids of a list's items, or the id of the one object a GET shows."""
    assert answer.status_code == 200, answer.text
    body = answer.json()
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return {int(item["id"]) for item in body["items"] if "id" in item}
    if isinstance(body, dict) and "id" in body:
        return {int(body["id"])}
    return set()


def walk(walker: Walker, operation: APIOperation, ids: dict[str, int]) -> int | str:
    """What B gets from ``operation`` on A's row: 404, or the first answer that differs from one for a
    missing id (a request with a body tries generated bodies until one passes validation)."""
    b_key = walker.live.auth(walker.live.key_b)
    missing = dict.fromkeys(ids, MISSING_ID)
    if operation.body:
        cases = examples(operation.as_strategy(path_parameters=ids), 10)
    else:
        cases = [operation.Case(path_parameters=ids)]
    answers = []
    for case in cases:
        case.path_parameters = ids
        answer = case.call(base_url=walker.live.url, session=walker.http, headers=b_key)
        case.path_parameters = missing
        nothing = case.call(base_url=walker.live.url, session=walker.http, headers=b_key)
        if refusal(answer) != refusal(nothing):
            return f"{answer.status_code} {answer.text} (a missing id: {nothing.status_code})"
        if answer.status_code == 404:
            return 404
        answers.append(answer.status_code)
    return f"never 404, only {answers}"
