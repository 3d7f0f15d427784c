"""The admin API's OpenAPI 3.1 document, built from the route tables and their pydantic models.

Nothing here is written by hand per route: paths, parameters, request and response schemas come from
each ``ApiRoute`` and the models that validate its requests, so the document cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from bot.web.api import idempotency
from bot.web.api.route_table import DEFAULT_PAGE, ApiRoute, RouteTable
from storage.keyset import MAX_PAGE

REF = "#/components/schemas/{model}"
TITLE = "Chatbot runtime: tenant admin API"
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
    "`ETag`; send it back as `If-Match` on a change, and a row changed meanwhile answers 412."
)


def build_document(tables: Sequence[RouteTable]) -> dict[str, Any]:
    routes = [route for table in tables for route in table]
    schemas, refs = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.full_path, {})[route.method.lower()] = _operation(route, refs)
    schemas["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"tenantKey": []}],
        "tags": [{"name": tag} for tag in dict.fromkeys(table.tag for table in tables)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "tenantKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a tenant API key (cbk_...) or the token of an agent with the admin role",
                }
            },
        },
    }


def _schemas(routes: Sequence[ApiRoute]) -> tuple[dict[str, Any], dict[tuple[type[BaseModel], str], Any]]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for route in routes:
        if route.body is not None:
            wanted.append((route.body, "validation"))
        if route.query is not None:
            wanted.append((route.query, "validation"))
        response = route.response_schema
        if response is not None:
            wanted.append((response, "serialization"))
    unique = list(dict.fromkeys(wanted))
    mapping, definitions = models_json_schema(unique, ref_template=REF)
    refs: dict[tuple[type[BaseModel], str], Any] = {
        (model, mode): schema for (model, mode), schema in mapping.items() if issubclass(model, BaseModel)
    }
    return dict(definitions.get("$defs", {})), refs


def _operation(route: ApiRoute, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
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


def _parameters(route: ApiRoute, refs: dict[tuple[type[BaseModel], str], Any]) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},
        }
        for name in route.path_params
    ]
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
        for name, field in route.query.model_fields.items():
            schema = route.query.model_json_schema(ref_template=REF)["properties"][name]
            parameters.append(
                {
                    "name": field.alias or name,
                    "in": "query",
                    "required": field.is_required(),
                    "description": field.description or "",
                    "schema": schema,
                }
            )
    if route.if_match:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": "the ETag last read; a row changed since then answers 412",
                "schema": {"type": "string"},
            }
        )
    if route.idempotent:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": (
                    "a repeat with the same key and body gets the first answer again (with "
                    "Idempotent-Replayed: true); with another body, 422"
                ),
                # What the server takes (bot/web/api/idempotency.KEY_FORM), so a client can tell.
                "schema": {"type": "string", "pattern": f"^{idempotency.KEY_FORM.pattern}$"},
            }
        )
    return parameters


def _responses(route: ApiRoute, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    error = {
        "description": "refused",
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
    }
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


def api_paths(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation in the document."""
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}
