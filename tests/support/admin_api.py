"""A tenant admin calling `/api/v1/...` with its API key: ``AdminApi`` sends JSON and reads the answer.

``admin_pair`` gives the demo tenant's admin and a second tenant's, for the isolation tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from multidict import CIMultiDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.tenancy.tenant_accounts import create_tenant
from storage.db import transaction


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: CIMultiDict[str]

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.body["error"]
        return error

    @property
    def etag(self) -> str:
        return self.headers["ETag"]


@dataclass(frozen=True)
class AdminApi:
    client: TestClient[Any, Any]
    api_key: str

    async def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        headers: dict[str, str] | None = None,
        data: bytes | str | None = None,
        key: str | None = None,
    ) -> Reply:
        sent = {"Authorization": f"Bearer {key or self.api_key}", **(headers or {})}
        url = path if path.startswith("/api/") else "/api/v1" + path
        async with self.client.request(method, url, json=json, data=data, headers=sent) as response:
            body = (
                await response.json()
                if response.content_type == "application/json"
                else await response.text()
            )
            return Reply(response.status, body, CIMultiDict(response.headers))

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.call("GET", path, **kw)

    async def post(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return await self.call("POST", path, json, **kw)

    async def patch(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return await self.call("PATCH", path, json, **kw)

    async def put(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return await self.call("PUT", path, json, **kw)

    async def delete(self, path: str, **kw: Any) -> Reply:
        return await self.call("DELETE", path, **kw)


async def second_tenant_key(sessions: async_sessionmaker[AsyncSession], slug: str = "other-shop") -> str:
    async with transaction(sessions) as session:
        created = await create_tenant(session, name="Other Shop", slug=slug, plan_code="free")
    return created.secret
