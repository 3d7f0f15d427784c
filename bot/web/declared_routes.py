"""Routes declared as data, the part the admin API (bot/web/api/route_table.py) and the agent API
(bot/web/agent/agent_route_table.py) share: a route's method, path and handler, how its OpenAPI-style path
becomes an aiohttp one, a table per resource that handlers join by decorator, and the tables' registration.

Each API's route type adds what its document and handlers need; its table says how a route is made, and
its registration how a handler is wrapped (authentication, error mapping).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from aiohttp import web

# Ids are path parts of at most 18 digits: anything else matches no route (404), never a database error.
ID_PATTERN = r"\d{1,18}"
_PATH_PARAM = re.compile(r"{([a-z_]+)}")

H = TypeVar("H")
R = TypeVar("R", bound="DeclaredRoute[Any]")
RequestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class DeclaredRoute(Generic[H]):
    # The API's path prefix, which ``path`` is relative to.
    prefix: ClassVar[str] = ""

    method: str
    # OpenAPI style: "/templates/{template_id}". Every path parameter is an id.
    path: str
    handler: H
    summary: str
    tag: str

    @property
    def full_path(self) -> str:
        return self.prefix + self.path

    @property
    def aiohttp_path(self) -> str:
        return self.prefix + _PATH_PARAM.sub(lambda m: "{" + m.group(1) + ":" + ID_PATTERN + "}", self.path)

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)


class DeclaredTable(Generic[R, H]):
    """One resource's routes, in the order their handlers were declared."""

    # How a route of this table is made: (method, path, handler, summary, tag, **options).
    route_type: Callable[..., R]

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.routes: list[R] = []

    def __iter__(self) -> Iterator[R]:
        return iter(self.routes)

    def route(self, method: str, path: str, summary: str, **options: Any) -> Callable[[H], H]:
        def register(handler: H) -> H:
            self.routes.append(self.route_type(method, path, handler, summary, self.tag, **options))
            return handler

        return register

    def get(self, path: str, summary: str, **options: Any) -> Callable[[H], H]:
        return self.route("GET", path, summary, **options)

    def post(self, path: str, summary: str, **options: Any) -> Callable[[H], H]:
        return self.route("POST", path, summary, **options)


def register_tables(
    app: web.Application, tables: Iterable[Iterable[R]], bind: Callable[[R], RequestHandler]
) -> None:
    """Every route of ``tables`` on ``app``, its handler wrapped by ``bind``."""
    for table in tables:
        for route in table:
            app.router.add_route(route.method, route.aiohttp_path, bind(route))
