"""A tenant's custom commands ("!price" answers with a fixed text): list, read, add, change and delete them.

A customer's message whose first word is ``!name`` gets the command's response (engine step 4,
bot/engine/triggers.py ``match_command``: the name is matched without its ``!`` and ignoring case, and
trailing punctuation of the typed word is dropped). So a command is stored the way the engine reads it,
``!`` and the name in lower case, and two commands that the engine would confuse are one: within one
scope (every conversation of the tenant, or one GroupMe group) a name is unique. A group's own command
wins over a tenant-wide one of the same name in that group.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import Conflict, Invalid, NotFound
from bot.tenancy.row_versions import check_version
from bot.tenancy.schema_base import RequestModel, ResponseModel, apply_changes, given_changes
from storage import tenants
from storage.keyset import Page, newest_first
from storage.models import CustomCommand, Group
from storage.sql import get_owned

# Letters, digits, "_" and "-" after the "!": the engine cuts the typed word at punctuation (".,;:!?")
# and whitespace, so a name holding those could never be typed.
_NAME = re.compile(r"[^\W][\w-]{0,62}")


def normalised_command(value: str) -> str:
    """``value`` as the engine reads it: "!" and the name in lower case ("Price", "!PRICE" -> "!price")."""
    name = value.strip().lstrip("!").casefold()
    if not _NAME.fullmatch(name):
        raise ValueError(
            "a command is one word of up to 63 letters, digits, '_' or '-', with or without its '!', "
            "e.g. !price"
        )
    return "!" + name


CommandName = Annotated[str, StringConstraints(max_length=80), AfterValidator(normalised_command)]
Response = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
GroupId = Annotated[int, Field(ge=1, description="one of the tenant's GroupMe groups")]


class CommandFields(RequestModel):
    command: CommandName = Field(description='the word a customer types, e.g. "!price" (stored lower case)')
    response: Response = Field(description="the reply; placeholders such as {first_name} are filled")
    group_id: GroupId | None = Field(None, description="null: every conversation of the tenant")
    active: bool = True


class CommandChanges(RequestModel):
    command: CommandName | None = None
    response: Response | None = None
    group_id: GroupId | None = Field(None, description="null: every conversation of the tenant")
    active: bool | None = None


class CommandView(ResponseModel):
    id: int
    command: str
    response: str
    group_id: int | None
    active: bool
    usage_count: int


async def list_commands(
    session: AsyncSession, tenant_id: int, *, limit: int, before: int | None
) -> Page[CustomCommand]:
    statement = select(CustomCommand).where(CustomCommand.tenant_id == tenant_id)
    return await newest_first(session, statement, CustomCommand.id, limit=limit, before=before)


async def get_command(
    session: AsyncSession, tenant_id: int, command_id: int, *, for_update: bool = False
) -> CustomCommand:
    command = await get_owned(session, CustomCommand, tenant_id, command_id, for_update=for_update)
    if command is None:
        raise NotFound(f"no command {command_id}")
    return command


async def create_command(session: AsyncSession, tenant_id: int, fields: CommandFields) -> CustomCommand:
    await _lock_tenant(session, tenant_id)
    await _check_scope(session, tenant_id, fields.command, fields.group_id, own_id=None)
    command = CustomCommand(tenant_id=tenant_id, **fields.model_dump())
    session.add(command)
    await _flush(session, fields.command)
    return command


async def update_command(
    session: AsyncSession, tenant_id: int, command_id: int, changes: CommandChanges, *, if_match: str | None
) -> CustomCommand:
    await _lock_tenant(session, tenant_id)
    command = await get_command(session, tenant_id, command_id, for_update=True)
    check_version(command, if_match)
    values = given_changes(changes, nullable={"group_id"})
    if "command" in values or "group_id" in values:
        name = values.get("command", command.command)
        group_id = values.get("group_id", command.group_id)
        await _check_scope(session, tenant_id, name, group_id, own_id=command.id)
    apply_changes(command, values)
    await _flush(session, command.command)
    return command


async def delete_command(
    session: AsyncSession, tenant_id: int, command_id: int, *, if_match: str | None
) -> None:
    command = await get_command(session, tenant_id, command_id, for_update=True)
    check_version(command, if_match)
    await session.delete(command)
    await session.flush()


async def _lock_tenant(session: AsyncSession, tenant_id: int) -> None:
    """Serialise the tenant's command writes: a tenant-wide command's group is NULL, which the unique
    key (tenant, group, command) does not cover, so the check below is what keeps names unique."""
    if await tenants.tenant_for_update(session, tenant_id) is None:
        raise NotFound(f"no tenant {tenant_id}")


async def _check_scope(
    session: AsyncSession, tenant_id: int, name: str, group_id: int | None, *, own_id: int | None
) -> None:
    if group_id is not None and await get_owned(session, Group, tenant_id, group_id) is None:
        raise Invalid(f"the tenant has no GroupMe group {group_id}", field="group_id")
    scope = CustomCommand.group_id.is_(None) if group_id is None else CustomCommand.group_id == group_id
    rows = await session.execute(
        select(CustomCommand.id, CustomCommand.command).where(CustomCommand.tenant_id == tenant_id, scope)
    )
    wanted = name.lstrip("!").casefold()
    for row_id, stored in rows.all():
        # Older rows may be stored as "price" or "!Price": the engine reads them all as "price".
        if row_id != own_id and stored.strip().lstrip("!").casefold() == wanted:
            where = "every conversation" if group_id is None else f"group {group_id}"
            raise Conflict(f"command {row_id} is already {name} for {where}", field="command")


async def _flush(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError:  # cannot happen under the tenant lock; kept so a race is a 409, never a 500
        raise Conflict(f"a command {name} already exists here", field="command") from None
