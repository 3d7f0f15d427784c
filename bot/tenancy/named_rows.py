"""The one way a tenant's named configuration rows (bots, templates, monetization sources) are read,
created, changed and deleted: tenant-scoped by id, the name unique per tenant (409 naming ``name``, a
race included), ``If-Match`` checked under the row's lock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import Conflict, NotFound
from bot.tenancy.row_versions import check_version
from bot.tenancy.schema_base import apply_changes
from storage.keyset import Page, newest_first
from storage.sql import get_owned

R = TypeVar("R")


@dataclass(frozen=True)
class NamedRows(Generic[R]):
    # A tenant-owned model with a ``name`` column unique per tenant.
    model: type[R]
    # How a row is called in messages: "template", "monetization source".
    label: str

    @property
    def _mapped(self) -> Any:
        return self.model

    async def page(self, session: AsyncSession, tenant_id: int, *, limit: int, before: int | None) -> Page[R]:
        model = self._mapped
        statement = select(model).where(model.tenant_id == tenant_id)
        return cast(Page[R], await newest_first(session, statement, model.id, limit=limit, before=before))

    async def get(self, session: AsyncSession, tenant_id: int, row_id: int, *, for_update: bool = False) -> R:
        row = await get_owned(session, self._mapped, tenant_id, row_id, for_update=for_update)
        if row is None:
            raise NotFound(f"no {self.label} {row_id}")
        return cast(R, row)

    async def create(self, session: AsyncSession, tenant_id: int, values: dict[str, Any]) -> R:
        await self._refuse_taken(session, tenant_id, values["name"])
        row = self._mapped(tenant_id=tenant_id)
        apply_changes(row, values)
        session.add(row)
        await self._flush(session, row.name)
        return cast(R, row)

    async def change(
        self,
        session: AsyncSession,
        tenant_id: int,
        row_id: int,
        values: dict[str, Any],
        *,
        if_match: str | None,
    ) -> R:
        row: Any = await self.get(session, tenant_id, row_id, for_update=True)
        check_version(row, if_match)
        if "name" in values and values["name"] != row.name:
            await self._refuse_taken(session, tenant_id, values["name"])
        apply_changes(row, values)
        await self._flush(session, row.name)
        return cast(R, row)

    async def delete(
        self,
        session: AsyncSession,
        tenant_id: int,
        row_id: int,
        *,
        if_match: str | None,
        refuse: Callable[[R], Awaitable[None]] | None = None,
    ) -> None:
        """Delete the row; ``refuse`` may raise (a Conflict) to keep a row that is still in use."""
        row = await self.get(session, tenant_id, row_id, for_update=True)
        check_version(cast(Any, row), if_match)
        if refuse is not None:
            await refuse(row)
        await session.delete(row)
        await session.flush()

    async def _refuse_taken(self, session: AsyncSession, tenant_id: int, name: str) -> None:
        model = self._mapped
        taken = await session.scalar(
            select(model.id).where(model.tenant_id == tenant_id, model.name == name).limit(1)
        )
        if taken is not None:
            raise self._taken(name)

    async def _flush(self, session: AsyncSession, name: str) -> None:
        try:
            await session.flush()
        except IntegrityError:  # another request took the name between our check and this write
            raise self._taken(name) from None

    def _taken(self, name: str) -> Conflict:
        return Conflict(f"a {self.label} named {name!r} already exists", field="name")
