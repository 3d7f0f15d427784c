"""The OpenAPI 3.1 document of /api/v1: the admin API and the agent API, built from their route tables.

Nothing here is written by hand per route: paths, parameters, request and response schemas come from
each ``ApiRoute`` (bot/web/api/route_table.py) and ``AgentRoute`` (bot/web/agent/agent_route_table.py)
and the models that validate its requests, so the document cannot drift from the code.

Both APIs live under /api/v1 and answer refusals with the same ``{"error": ...}`` body, so one document
describes both (one reference page, one file for a client generator); what tells them apart is the
credential. The document's default security is the tenant API key; every agent operation names the agent
token instead, and carries a tag of its own ("agent: ...").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from bot.web.agent.agent_requests import EVENT_ID_PATTERN
from bot.web.agent.agent_route_table import AgentRoute, AgentRouteTable
from bot.web.api import idempotency
from bot.web.api.route_table import DEFAULT_PAGE, ApiRoute, RouteTable
from storage.keyset import MAX_PAGE

REF = "#/components/schemas/{model}"
TITLE = "Chatbot runtime: tenant admin API and agent API"
VERSION = "1"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": ["string", "null"]},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"], "description": "the field or header at fault"},
            },
        }
    },
}
DESCRIPTION = (
    "Configure a tenant's bots, channels, knowledge, synonyms, templates, commands, intents, agents "
    "and monetization sources, and read its conversations, customers, handoffs, credits, conversions and "
    "analytics.\n\n"
    "Authenticate with `Authorization: Bearer <tenant API key>` (or an admin agent's token). Every id "
    "belongs to the calling tenant: another tenant's id answers 404. Errors are "
    '`{"error": {"status", "code", "message", "field"}}`. Lists are newest first, paged with '
    "`?limit=` and the opaque `cursor` of the previous page's `next` link. Reads of one row return an "
    "`ETag`; send it back as `If-Match` on a change, and a row changed meanwhile answers 412.\n\n"
    "The operations tagged `agent: ...` (under /api/v1/agent/) are the agent API, what human agents' "
    "consoles call: authenticate with `Authorization: Bearer <agent token>` (from `chatbot agent create`); "
    "a tenant API key is refused there. A body or query that does not fit is a 400 naming the `field`; "
    "403 the agent's role may not, 404 no such row (or another tenant's), 409 the conversation's state "
    "forbids it (claimed by someone else, resolved, window closed, at capacity)."
)
# Schemas are made in one pass for every model of both APIs, so two types of one name get distinct names.
SchemaKey = tuple[type[Any], JsonSchemaMode]


def build_document(tables: Sequence[RouteTable], agent_tables: Sequence[AgentRouteTable]) -> dict[str, Any]:
    routes = [route for table in tables for route in table]
    agent_routes = [route for table in agent_tables for route in table]
    schemas, refs = _schemas(routes, agent_routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.full_path, {})[route.method.lower()] = _operation(route, refs)
    for agent_route in agent_routes:
        paths.setdefault(agent_route.full_path, {})[agent_route.method.lower()] = _agent_operation(
            agent_route, refs
        )
    schemas["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"tenantKey": []}],
        "tags": [{"name": tag} for tag in dict.fromkeys(table.tag for table in tables)]
        + [{"name": tag, "description": AGENT_TAG} for tag in dict.fromkeys(t.tag for t in agent_tables)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "tenantKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a tenant API key (cbk_...) or the token of an agent with the admin role",
                },
                "agentToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an agent's token (cba_...), as `chatbot agent create` prints it",
                },
            },
        },
    }


def _schemas(
    routes: Sequence[ApiRoute], agent_routes: Sequence[AgentRoute]
) -> tuple[dict[str, Any], dict[SchemaKey, Any]]:
    wanted: list[SchemaKey] = []
    both: list[ApiRoute | AgentRoute] = [*routes, *agent_routes]
    for route in both:
        if route.body is not None:
            wanted.append((route.body, "validation"))
        if route.query is not None:
            wanted.append((route.query, "validation"))
    for route in routes:
        if route.response_schema is not None:
            wanted.append((route.response_schema, "serialization"))
    for agent_route in agent_routes:
        # Agent answers are frozen dataclasses; pydantic describes them as it would serialize them.
        if agent_route.response is not None:
            wanted.append((agent_route.response, "serialization"))
    unique = list(dict.fromkeys(wanted))
    mapping, definitions = TypeAdapter.json_schemas(
        [((kind, mode), mode, TypeAdapter(kind)) for kind, mode in unique], ref_template=REF
    )
    refs: dict[SchemaKey, Any] = {key: schema for (key, _mode), schema in mapping.items()}
    return dict(definitions.get("$defs", {})), refs


def _operation(route: ApiRoute, refs: dict[SchemaKey, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": _parameters(route, refs),
        "responses": _responses(route, refs),
    }
    if route.description:
        operation["description"] = route.description
    if route.body is not None or route.raw_body_types:
        content: dict[str, Any] = {}
        if route.body is not None:
            content["application/json"] = {"schema": refs[(route.body, "validation")]}
        for media_type in route.raw_body_types:
            content[media_type] = {"schema": {"type": "string"}}
        operation["requestBody"] = {"required": True, "content": content}
    return operation


def _parameters(route: ApiRoute, refs: dict[SchemaKey, Any]) -> list[dict[str, Any]]:
    parameters = _id_parameters(route.path_params)
    if route.paged:
        parameters += [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE},
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "the cursor of the previous page's next link",
                "schema": {"type": "string"},
            },
        ]
    if route.query is not None:
        parameters += _query_parameters(route.query)
    if route.if_match:
        parameters.append(
            _optional_header("If-Match", "the ETag last read; a row changed since then answers 412")
        )
    if route.idempotent:
        parameters.append(
            _optional_header(
                "Idempotency-Key",
                "a repeat with the same key and body gets the first answer again (with "
                "Idempotent-Replayed: true); with another body, 422",
                # What the server takes (bot/web/api/idempotency.KEY_FORM), so a client can tell.
                pattern=f"^{idempotency.KEY_FORM.pattern}$",
            )
        )
    return parameters


def _optional_header(name: str, description: str, pattern: str | None = None) -> dict[str, Any]:
    """A header parameter a client may leave out: a string, of ``pattern`` if given."""
    schema: dict[str, Any] = {"type": "string"}
    if pattern is not None:
        schema["pattern"] = pattern
    return {"name": name, "in": "header", "required": False, "description": description, "schema": schema}


def _id_parameters(names: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},
        }
        for name in names
    ]


def _query_parameters(query: type[BaseModel]) -> list[dict[str, Any]]:
    properties = query.model_json_schema(ref_template=REF)["properties"]
    return [
        {
            "name": field.alias or name,
            "in": "query",
            "required": field.is_required(),
            "description": field.description or "",
            "schema": properties[name],
        }
        for name, field in query.model_fields.items()
    ]


def _error() -> dict[str, Any]:
    return {
        "description": "refused",
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
    }


def _responses(route: ApiRoute, refs: dict[SchemaKey, Any]) -> dict[str, Any]:
    error = _error()
    responses: dict[str, Any] = {}
    response = route.response_schema
    if response is None:
        responses[str(route.status)] = {"description": "done"}
    else:
        success: dict[str, Any] = {
            "description": "done",
            "content": {"application/json": {"schema": refs[(response, "serialization")]}},
        }
        if route.etag:
            success["headers"] = {"ETag": {"schema": {"type": "string"}, "description": "the row's version"}}
        responses[str(route.status)] = success
        if route.status == 201 and route.replays:
            responses["200"] = {**success, "description": "the same request made before: its first answer"}
    responses["default"] = error
    return responses


AGENT_TAG = "agent API: authenticate with an agent's token (agentToken); a tenant API key is refused"
EVENT_STREAM = (
    "a Server-Sent Events stream: `retry` and the resume `id` first, then per event `id`, `event` and a "
    "JSON `data` line, and a `: heartbeat` comment every 15 s; it ends only when the client leaves or the "
    "server stops"
)


def _agent_operation(route: AgentRoute, refs: dict[SchemaKey, Any]) -> dict[str, Any]:
    parameters = _id_parameters(route.path_params)
    if route.query is not None:
        parameters += _query_parameters(route.query)
    if route.event_stream:
        parameters.append(
            _optional_header(
                "Last-Event-ID",
                "the id of the last event received: the stream resumes after it",
                pattern=EVENT_ID_PATTERN,
            )
        )
    if route.event_stream:
        success: dict[str, Any] = {
            "description": EVENT_STREAM,
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    elif route.response is not None:
        success = {
            "description": "done",
            "content": {"application/json": {"schema": refs[(route.response, "serialization")]}},
        }
    else:
        success = {"description": "done"}
    operation: dict[str, Any] = {
        # Prefixed: the admin API has handlers of the same names (e.g. its own conversations list).
        "operationId": "agent_" + route.handler.__name__,
        "summary": route.summary,
        "tags": [route.tag],
        "security": [{"agentToken": []}],
        "parameters": parameters,
        "responses": {str(route.status): success, "default": _error()},
    }
    if route.description:
        operation["description"] = route.description
    if route.body is not None:
        # An empty body is taken as {}: it may be left out unless the model needs a field.
        needed = any(field.is_required() for field in route.body.model_fields.values())
        operation["requestBody"] = {
            "required": needed,
            "content": {"application/json": {"schema": refs[(route.body, "validation")]}},
        }
    return operation


def api_paths(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation in the document."""
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}
