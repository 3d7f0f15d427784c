"""Every agent operation of /api/v1/openapi.json, called on a live server by schemathesis with agent tokens.

The server is the real app on a free port (tests/support/live_api.py) over a migrated database with the
demo tenant A (its past sales: conversations and customers) and a second tenant B. Each tenant gets an
admin agent through the admin API (``POST /api/v1/agents`` answers the token once). Nothing here names an
agent route: every operation that the document secures with the agent token is called, so a new agent
route is covered the day its route table is registered. The live event stream is left out (it never
ends; tests/web/agent/test_agent_openapi.py checks what the document says of it).

1. With A's agent token, schemathesis generates requests (with random ids and with A's real ids): no answer
   is a 5xx; each has a documented status, content type, headers and body; and a request the document
   allows is never refused as malformed (a 400 naming a field: the document and the handler's model
   disagree).
2. With A's agent token on A's real rows, requests whose body or query the document forbids
   (schemathesis's negative mode: wrong types, unknown body fields, values out of range, a required field
   left out, a body that is no JSON object) are refused with a 400, not acted on.
3. With B's agent token against A's real ids, whatever schemathesis sends is answered exactly as for an id
   that does not exist, never a 2xx.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from schemathesis import APIOperation, Case
from schemathesis.core import NotSet

from tests.support import openapi_fuzz
from tests.support.live_api import LiveApi
from tests.support.openapi_fuzz import (
    CHECKS,
    MISSING_ID,
    PATH_PARAM,
    fuzz,
    http,
    live,
    random_id_examples,
    refusal,
)

# Path parameter -> the admin API's list whose first item is a real row of tenant A.
ID_LISTS = {"conversation_id": "/api/v1/conversations", "customer_id": "/api/v1/customers"}

# The live server and the HTTP session are the shared fixtures of tests/support/openapi_fuzz.py.
__all__ = ["http", "live"]


@pytest.fixture
def schema(live: LiveApi) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")
    # The token is sent by the test, never generated (nor left out as "invalid data"); a query parameter
    # the document does not list is ignored, as by most APIs, so it is not "invalid data" either.
    loaded.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)
    return loaded


def agent_token(live: LiveApi, http: requests.Session, key: str) -> str:
    """A new admin agent of the key's tenant (admin: forgetting a customer is among the operations)."""
    agent = {"name": "Fuzz", "role": "admin"}
    made = http.post(f"{live.url}/api/v1/agents", json=agent, headers=live.auth(key), timeout=30)
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def agent_operations(schema: schemathesis.BaseSchema) -> list[APIOperation]:
    """The agent API's operations, but for streams (an answer that never ends cannot be checked)."""
    return [
        operation
        for operation in openapi_fuzz.operations(schema, agent=True)
        if not any(
            "text/event-stream" in answer.get("content", {})
            for answer in operation.definition.raw["responses"].values()
        )
    ]


def real_ids(live: LiveApi, http: requests.Session, path: str) -> dict[str, int]:
    """A real id of tenant A for each path parameter, from the admin API's lists."""
    ids = {}
    for name in PATH_PARAM.findall(path):
        listed = http.get(live.url + ID_LISTS[name], headers=live.auth(live.key_a), timeout=30)
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert items, f"tenant A has no row for {name}"
        ids[name] = int(items[0]["id"])
    return ids


def takes_input(operation: APIOperation) -> bool:
    """Whether the operation takes a query or a body (something that could be invalid but for the ids)."""
    raw = operation.definition.raw
    return any(p["in"] == "query" for p in raw.get("parameters", [])) or "requestBody" in raw


def not_refused_as_malformed(case: Case, answer: requests.Response) -> None:
    """A request the document allows passes the handler's model: no 400 naming a field."""
    if answer.status_code == 400:
        field = answer.json()["error"].get("field")
        assert field is None, f"the document allows what the handler refuses: {answer.text}"


def test_with_an_agent_token_every_agent_operation_answers_as_documented(
    live: LiveApi, http: requests.Session, schema: schemathesis.BaseSchema
) -> None:
    token = agent_token(live, http, live.key_a)
    failures: list[str] = []

    def documented(case: Case) -> None:
        answer = case.call(base_url=live.url, session=http, headers=live.auth(token))
        case.validate_response(answer, checks=CHECKS)
        not_refused_as_malformed(case, answer)

    def refused(case: Case) -> None:
        if isinstance(case.body, NotSet) and not case.query:
            return  # schemathesis left out a body the document lets one leave out: nothing is invalid
        answer = case.call(base_url=live.url, session=http, headers=live.auth(token))
        case.validate_response(answer, checks=CHECKS)
        # On a real row, so that nothing but the request's shape can be why: never a 404 or a 409.
        assert answer.status_code == 400, f"the handler takes what the document forbids: {answer.text}"

    operations = agent_operations(schema)
    # Forgetting a customer last: the customer it erases is the one the others act on.
    for operation in sorted(operations, key=lambda op: op.path.endswith("/forget")):
        ids = real_ids(live, http, operation.path)
        failures += fuzz(operation.label, operation.as_strategy(), documented, random_id_examples(operation))
        if ids:
            strategy = operation.as_strategy(path_parameters=ids)
            failures += fuzz(f"{operation.label} on A's row {ids}", strategy, documented)
        if takes_input(operation):
            negative = schemathesis.GenerationMode.NEGATIVE
            invalid = operation.as_strategy(generation_mode=negative, path_parameters=ids)
            failures += fuzz(f"{operation.label} on A's row {ids} (invalid data)", invalid, refused)

    assert failures == [], "\n\n".join(failures)
    assert len(operations) >= 14
    # Still A's token at the end: the answers above were the API's, not refusals of a lost token.
    assert http.get(live.url + "/api/v1/agent/me", headers=live.auth(token), timeout=30).status_code == 200


def test_another_tenants_agent_gets_what_a_missing_id_gets_for_every_request(
    live: LiveApi, http: requests.Session, schema: schemathesis.BaseSchema
) -> None:
    stranger = agent_token(live, http, live.key_b)
    failures: list[str] = []
    with_ids = [operation for operation in agent_operations(schema) if PATH_PARAM.search(operation.path)]

    for operation in with_ids:
        ids = real_ids(live, http, operation.path)
        missing = dict.fromkeys(ids, MISSING_ID)

        def as_missing(case: Case, ids: dict[str, int] = ids, missing: dict[str, int] = missing) -> None:
            answer = case.call(base_url=live.url, session=http, headers=live.auth(stranger))
            case.validate_response(answer, checks=CHECKS)
            case.path_parameters = missing
            nothing = case.call(base_url=live.url, session=http, headers=live.auth(stranger))
            case.path_parameters = ids
            assert not 200 <= answer.status_code < 300, answer.text
            assert refusal(answer) == refusal(nothing), (answer.text, nothing.text)

        strategy = operation.as_strategy(path_parameters=ids)
        failures += fuzz(f"{operation.label} with B's agent on A's row {ids}", strategy, as_missing)

    assert with_ids
    assert failures == [], "\n\n".join(failures)
