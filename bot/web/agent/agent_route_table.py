"""The agent API's routes as data: method, path, the models a handler validates with, and what it answers.

As for the admin API (bot/web/api/route_table.py), one declaration registers the aiohttp route (wrapped
by ``agent_route``: agent token, error mapping) and is what bot/web/api/openapi_document.py turns into the
agent part of the OpenAPI document, so an agent route cannot exist without being documented.

A handler receives an ``AgentCall``, whose ``parsed``, ``query`` and ``answer`` take only the models and
the answer type its route declares: a handler cannot validate or answer with a shape the document does
not show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from bot.tenancy.agent_accounts import AgentIdentity
from bot.web.agent.agent_auth import agent_route, json_body
from bot.web.agent.agent_json import respond
from bot.web.declared_routes import DeclaredRoute, DeclaredTable, register_tables

PREFIX = "/api/v1/agent"

M = TypeVar("M", bound=BaseModel)
Handler = Callable[["AgentCall"], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class AgentRoute(DeclaredRoute[Handler]):
    # ``path`` is relative to /api/v1/agent: "/conversations/{conversation_id}".
    prefix = PREFIX

    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    # The plain data (a frozen dataclass) the handler answers with, as JSON (bot/web/agent/agent_json.py).
    response: type[Any] | None = None
    status: int = 200
    # Answers a Server-Sent Events stream (text/event-stream) instead of JSON, resumable with the
    # Last-Event-ID header.
    event_stream: bool = False
    description: str = ""


class AgentRouteTable(DeclaredTable[AgentRoute, Handler]):
    route_type = AgentRoute


def register(app: web.Application, tables: Sequence[AgentRouteTable]) -> None:
    register_tables(app, tables, _bind)


def _bind(route: AgentRoute) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
        return await route.handler(AgentCall(request, agent, route))

    handle.__name__ = route.handler.__name__
    return agent_route(handle)


@dataclass(frozen=True)
class AgentCall:
    request: web.Request
    agent: AgentIdentity
    route: AgentRoute

    async def parsed(self, model: type[M]) -> M:
        """The body validated by ``model``, the route's declared body (an empty body is ``{}``)."""
        _declared(self.route, "body", model, self.route.body)
        return model.model_validate(await json_body(self.request))

    def query(self, model: type[M]) -> M:
        """The query string validated by ``model``, the route's declared query (other names are ignored)."""
        _declared(self.route, "query", model, self.route.query)
        query = self.request.query
        return model.model_validate({name: query[name] for name in model.model_fields if name in query})

    def id(self, name: str) -> int:
        return int(self.request.match_info[name])

    def answer(self, value: object) -> web.Response:
        """``value`` as JSON with the route's status; it must be of the route's declared response type."""
        if self.route.response is None or not isinstance(value, self.route.response):
            name = self.route.handler.__name__
            raise TypeError(f"{name} answers {type(value).__name__}, not its route's type")
        return respond(value, status=self.route.status)


def _declared(route: AgentRoute, what: str, model: type[BaseModel], declared: type[BaseModel] | None) -> None:
    # A programming error, caught by any test that calls the route: the document would show another shape.
    if model is not declared:
        name = route.handler.__name__
        raise TypeError(f"{name} validates its {what} with {model.__name__}, not its route's")
