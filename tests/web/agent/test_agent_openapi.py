"""The agent API in the published OpenAPI document (/api/v1/openapi.json), against the routes the app serves.

1. Every route served under /api/v1/agent/ is an operation of the document, with the agent token as its
   security and an "agent: ..." tag; no admin operation asks for the agent token.
2. An agent works a real handed-over conversation (who am I, queue, card, claim, note, reply, transcript,
   lead, transfer, resolve, forget, and refusals on the way): every answer is what the document says that
   operation answers with that status.
3. The documented request bodies are the ones the handlers validate: a field the document does not list
   is refused naming it, a listed field of the wrong JSON type is refused naming it, a required one left
   out is refused naming it, and every listed field with a value the document allows gets past validation
   (to the 404 of a conversation or customer that does not exist).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.openapi_check import Documented
from tests.support.platforms import World
from tests.web.agent.desk import API, AgentClient, Answer, new_agent, waiting_customer

AGENT_PREFIX = "/api/v1/agent"
# The largest id a path takes (18 digits): no row has it.
MISSING_ID = 10**18 - 1
# No request field of the agent API takes an array.
WRONG_TYPE = ["not", "this"]


async def published(world: World) -> Documented:
    response = await world.client.get("/api/v1/openapi.json")
    assert response.status == 200
    return Documented(await response.json())


def agent_operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        if path.startswith(AGENT_PREFIX + "/")
        for method, operation in item.items()
    }


async def test_every_agent_route_is_documented_with_the_agent_token(world: World) -> None:
    documented = (await published(world)).document
    served = set()
    for resource in world.client.app.router.resources():
        path = resource.canonical
        if path.startswith(AGENT_PREFIX + "/"):
            for route in resource:
                if route.method not in ("HEAD", "OPTIONS"):
                    served.add((route.method, re.sub(r"{(\w+):[^}]*}", r"{\1}", path)))
    operations = agent_operations(documented)

    assert served - set(operations) == set()
    assert ("POST", AGENT_PREFIX + "/conversations/{conversation_id}/claim") in served
    assert ("GET", AGENT_PREFIX + "/events") in served
    assert documented["components"]["securitySchemes"]["agentToken"]["scheme"] == "bearer"
    for (method, path), operation in operations.items():
        assert operation["security"] == [{"agentToken": []}], (method, path)
        assert operation["tags"][0].startswith("agent: "), (method, path)
        assert operation["responses"]["default"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    admin = [
        operation
        for path, item in documented["paths"].items()
        if not path.startswith(AGENT_PREFIX + "/")
        for operation in item.values()
    ]
    assert admin
    assert [operation["operationId"] for operation in admin if "security" in operation] == []
    assert documented["security"] == [{"tenantKey": []}]


async def test_every_answer_of_an_agents_working_day_is_the_documented_one(world: World) -> None:
    doc = await published(world)
    conversation = await waiting_customer(world)
    dana = await new_agent(world, "Dana", role="admin")
    sam = await new_agent(world, "Sam")
    checked: list[str] = []
    one = "/conversations/{conversation_id}"
    here = f"/conversations/{conversation}"

    def check(answer: Answer, method: str, path: str, status: int) -> Any:
        assert answer.status == status, (method, path, answer.body)
        doc.check_body("/agent" + path, answer.status, answer.body, method.lower())
        checked.append(f"{method} {path} {status}")
        return answer.body

    check(await dana.get("/me"), "GET", "/me", 200)
    queue = check(await dana.get("/queue"), "GET", "/queue", 200)
    assert [item["id"] for item in queue["conversations"]] == [conversation]
    check(await dana.get("/agents"), "GET", "/agents", 200)
    card = check(await dana.get(here), "GET", one, 200)
    claimed = check(
        await dana.post(here + "/claim", {"version": card["version"]}), "POST", one + "/claim", 200
    )
    assert claimed["assigned_agent"]["id"] == dana.id
    check(await sam.post(here + "/claim"), "POST", one + "/claim", 409)
    check(await dana.post(here + "/notes", {"text": "wholesale account"}), "POST", one + "/notes", 201)
    check(await dana.post(here + "/reply", {"text": "Hi, Dana here."}), "POST", one + "/reply", 201)
    check(await dana.post(here + "/reply", {"text": 7}), "POST", one + "/reply", 400)
    check(await dana.post(here + "/reply", {}), "POST", one + "/reply", 400)
    page = check(await dana.get(here + "/messages", limit="2"), "GET", one + "/messages", 200)
    assert page["next"] is not None
    check(await dana.get(here + "/messages", before=page["next"]), "GET", one + "/messages", 200)
    check(await dana.get(here + "/messages", limit="0"), "GET", one + "/messages", 400)
    check(await dana.get("/conversations", mine="1"), "GET", "/conversations", 200)
    check(await dana.get("/conversations", mine="maybe"), "GET", "/conversations", 400)
    customer = f"/customers/{card['customer']['id']}"
    lead = {"stage": "qualified", "label": "hot", "customer_type": "vip"}
    check(await dana.post(customer + "/lead", lead), "POST", "/customers/{customer_id}/lead", 200)
    check(await dana.post(here + "/transfer", {"agent_id": sam.id}), "POST", one + "/transfer", 200)
    check(await sam.post(here + "/resolve", {"note": "refund issued"}), "POST", one + "/resolve", 200)
    check(await dana.post(here + "/release"), "POST", one + "/release", 409)
    check(await sam.post(customer + "/forget"), "POST", "/customers/{customer_id}/forget", 403)
    check(await dana.post(customer + "/forget"), "POST", "/customers/{customer_id}/forget", 200)
    check(await dana.get(f"/conversations/{MISSING_ID}"), "GET", one, 404)
    nobody = AgentClient(world.client, "cba_no-such-token", 0, "nobody")
    check(await nobody.get("/queue"), "GET", "/queue", 401)

    stream = await dana.events()
    stream.close()
    events = doc.document["paths"][AGENT_PREFIX + "/events"]["get"]["responses"]["200"]["content"]
    assert list(events) == ["text/event-stream"]
    assert len(checked) == 23


def bodies_of(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path, the JSON Schema of its body) of every agent operation that takes a body."""
    found = []
    for (method, path), operation in agent_operations(document).items():
        if "requestBody" in operation:
            assert method == "POST"
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            found.append((path, document["components"]["schemas"][ref.rsplit("/", 1)[1]]))
    return found


def allowed_value(schema: dict[str, Any]) -> Any:
    """A value the property's schema allows (not null where anything else is allowed)."""
    for option in schema.get("anyOf", [schema]):
        if "enum" in option:
            return option["enum"][-1]
        if option.get("type") == "integer":
            return option.get("minimum", 0) + 1
        if option.get("type") == "string":
            return "a documented value"
    raise AssertionError(f"no value for {schema}")


async def refusal_of(agent: AgentClient, path: str, body: dict[str, Any]) -> tuple[int, str | None]:
    response = await agent.client.post(
        path.replace("{conversation_id}", str(MISSING_ID)).replace("{customer_id}", str(MISSING_ID)),
        json=body,
        headers=agent.headers(),
    )
    answer = await response.json()
    return response.status, answer.get("error", {}).get("field")


async def test_the_documented_bodies_are_the_ones_the_handlers_validate(world: World) -> None:
    document = (await published(world)).document
    dana = await new_agent(world, "Dana", role="admin")
    bodies = bodies_of(document)
    assert len(bodies) == 6
    # (path, what was sent, the field it is about) -> (status, the field the refusal names)
    expected: dict[tuple[str, str, str], tuple[int, str | None]] = {}
    answered: dict[tuple[str, str, str], tuple[int, str | None]] = {}

    for path, schema in bodies:
        properties: dict[str, Any] = schema["properties"]
        required: list[str] = schema.get("required", [])
        needed = {name: allowed_value(properties[name]) for name in required}
        assert schema.get("additionalProperties") is False, path
        answered[path, "unknown", "no_such_field"] = await refusal_of(
            dana, path, {**needed, "no_such_field": 1}
        )
        expected[path, "unknown", "no_such_field"] = (400, "no_such_field")
        for name in required:
            answered[path, "left out", name] = await refusal_of(dana, path, {})
            expected[path, "left out", name] = (400, name)
        for name, prop in properties.items():
            answered[path, "wrong type", name] = await refusal_of(dana, path, {**needed, name: WRONG_TYPE})
            expected[path, "wrong type", name] = (400, name)
            answered[path, "allowed", name] = await refusal_of(
                dana, path, {**needed, name: allowed_value(prop)}
            )
            # Past validation, the conversation or customer is looked up: it does not exist.
            expected[path, "allowed", name] = (404, None)

    assert answered == expected


@pytest.mark.parametrize("header", ["yesterday", "-1", "1" * 19])
async def test_a_last_event_id_the_document_refuses_is_refused(world: World, header: str) -> None:
    dana = await new_agent(world, "Dana")
    pattern = (await published(world)).document["paths"][AGENT_PREFIX + "/events"]["get"]["parameters"][-1]

    response = await world.client.get(API + "/events", headers=dana.headers(**{"Last-Event-ID": header}))

    assert pattern["name"] == "Last-Event-ID"
    assert re.fullmatch(pattern["schema"]["pattern"].strip("^$"), header) is None
    assert (response.status, (await response.json())["error"]["field"]) == (400, "last_event_id")
