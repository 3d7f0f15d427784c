"""The admin API's routes as data: each names its method, path, pydantic models and what it answers.

One ``RouteTable`` per resource module. The same declaration registers the aiohttp route (wrapped by
``tenant_route``: authentication, size limit, error mapping) and is what bot/web/api/openapi_document.py
turns into the OpenAPI document, so a route cannot exist without being documented.

A handler receives an ``ApiCall``: the request, the authenticated caller, the raw body, and helpers that
parse the body, the path ids, the page and ``If-Match`` the way every route does.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, create_model
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.tenancy.api_callers import TenantCaller
from bot.tenancy.config_errors import Invalid
from bot.tenancy.schema_base import ResponseModel
from bot.web.api import idempotency
from bot.web.api.tenant_auth import MAX_BODY_BYTES, tenant_route
from bot.web.app_keys import RUNTIME
from bot.web.declared_routes import DeclaredRoute, DeclaredTable, register_tables
from storage import idempotent_requests
from storage.db import read_only, transaction
from storage.keyset import MAX_PAGE
from storage.models import IdempotentRequest

PREFIX = "/api/v1"
DEFAULT_PAGE = 50

M = TypeVar("M", bound=BaseModel)
Handler = Callable[["ApiCall"], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class PageRequest:
    limit: int
    before: int | None


@dataclass(frozen=True)
class ApiRoute(DeclaredRoute[Handler]):
    # ``path`` is relative to /api/v1: "/templates/{template_id}".
    prefix = PREFIX

    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    query: type[BaseModel] | None = None
    paged: bool = False
    # The response carries an ETag; a route that changes a row (PATCH, PUT, DELETE, or a POST action on
    # it) honours If-Match.
    etag: bool = False
    if_match: bool = False
    # Takes an Idempotency-Key header (bot/web/api/idempotency); a repeat answers 200 with the first answer.
    idempotent: bool = False
    # A repeat of the same creation (by a natural key in the body) answers 200 with the stored row.
    replays: bool = False
    # Non-JSON bodies this route also takes (e.g. text/csv for an import), documented as strings.
    raw_body_types: tuple[str, ...] = ()
    max_body: int = MAX_BODY_BYTES
    description: str = ""

    @property
    def response_schema(self) -> type[BaseModel] | None:
        if self.response is None or not self.paged:
            return self.response
        return page_model(self.response)


_PAGE_MODELS: dict[type[BaseModel], type[BaseModel]] = {}


def page_model(item: type[BaseModel]) -> type[BaseModel]:
    """``{"items": [item], "next": url | null}`` for an item model (made once per item model)."""
    made = _PAGE_MODELS.get(item)
    if made is None:
        made = _PAGE_MODELS[item] = create_model(
            f"{item.__name__}Page",
            __base__=ResponseModel,
            items=(list[item], ...),  # type: ignore[valid-type]
            next=(str | None, None),
        )
    return made


class RouteTable(DeclaredTable[ApiRoute, Handler]):
    route_type = ApiRoute

    def patch(self, path: str, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, summary, **options)

    def put(self, path: str, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, summary, **options)

    def delete(self, path: str, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, summary, **options)


def register(app: web.Application, tables: Sequence[RouteTable]) -> None:
    register_tables(app, tables, _bind)


def _bind(route: ApiRoute) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request, caller: TenantCaller, body: bytes) -> web.StreamResponse:
        call = ApiCall(request, caller, body, route)
        key = idempotency.request_key(request) if route.idempotent else None
        if key is not None:
            async with read_only(call.sessions) as session:
                replayed = await idempotency.replay(session, caller.tenant_id, call.operation, key, body)
            if replayed is not None:
                return replayed
        return await route.handler(call)

    handle.__name__ = route.handler.__name__
    wrapped: Callable[[web.Request], Awaitable[web.StreamResponse]] = tenant_route(
        handle, max_body=route.max_body
    )
    return wrapped


@dataclass
class ApiCall:
    request: web.Request
    caller: TenantCaller
    body: bytes
    route: ApiRoute
    # The Idempotency-Key row claimed by ``writing()``, which ``answer()`` fills before commit.
    claimed: IdempotentRequest | None = None

    @property
    def operation(self) -> str:
        return f"{self.route.method} {self.route.full_path}"

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """The write transaction; on an idempotent route with a key, the key is claimed in it first."""
        key = idempotency.request_key(self.request) if self.route.idempotent else None
        async with transaction(self.sessions) as session:
            if key is not None:
                try:
                    self.claimed = await idempotent_requests.claim(
                        session, self.tenant_id, self.operation, key, idempotency.digest(self.body)
                    )
                except IntegrityError:
                    raise idempotency.in_progress() from None
            yield session
            if self.claimed is not None and self.claimed.response_status == 0:
                raise RuntimeError(f"{self.operation}: answer() must be called inside writing()")

    def answer(self, value: BaseModel, *, status: int = 200, etag: str | None = None) -> web.Response:
        """``respond_model``, and the answer kept for the Idempotency-Key (call it inside ``writing()``)."""
        if self.claimed is not None:
            idempotent_requests.remember(self.claimed, status, dumped(value))
        return respond_model(value, status=status, etag=etag)

    @property
    def tenant_id(self) -> int:
        return self.caller.tenant_id

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.request.app[RUNTIME].sessions

    def parsed(self, model: type[M]) -> M:
        """The body validated by ``model`` (pydantic's ValidationError becomes a 400/422 naming the field)."""
        return model.model_validate_json(self.body or b"null")

    def id(self, name: str) -> int:
        return int(self.request.match_info[name])

    def query(self, model: type[M]) -> M:
        """The query string validated by ``model`` (the page parameters are left to ``page()``)."""
        values = {k: v for k, v in self.request.query.items() if k not in ("limit", "cursor")}
        return model.model_validate(values)

    def page(self) -> PageRequest:
        raw_limit = self.request.query.get("limit")
        limit = DEFAULT_PAGE
        if raw_limit is not None:
            if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PAGE:
                raise Invalid(f"limit must be a whole number from 1 to {MAX_PAGE}", field="limit")
            limit = int(raw_limit)
        cursor = self.request.query.get("cursor")
        return PageRequest(limit, None if cursor is None else decode_cursor(cursor))

    def if_match(self) -> str | None:
        return self.request.headers.get("If-Match")

    def next_link(self, next_before: int | None) -> str | None:
        if next_before is None:
            return None
        query = dict(self.request.query)
        query["cursor"] = encode_cursor(next_before)
        return str(self.request.rel_url.with_query(query))


def encode_cursor(before: int) -> str:
    return base64.urlsafe_b64encode(f"k1:{before}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    kind, _, number = text.partition(":")
    if kind != "k1" or not number.isdigit() or len(number) > 18:
        raise Invalid(
            "cursor is not one this API gave out; use the next link of the previous page", field="cursor"
        )
    return int(number)


def dumped(value: BaseModel) -> Any:
    return value.model_dump(mode="json")


def respond_model(value: BaseModel, *, status: int = 200, etag: str | None = None) -> web.Response:
    response = web.json_response(dumped(value), status=status)
    if etag is not None:
        response.headers["ETag"] = etag
    return response


def respond_page(call: ApiCall, items: Sequence[BaseModel], next_before: int | None) -> web.Response:
    return web.json_response({"items": [dumped(item) for item in items], "next": call.next_link(next_before)})


def no_content() -> web.Response:
    return web.Response(status=204)
