"""A tenant's human agents through the admin API: list, read, create, change, deactivate, new token.

A token is shown once, in the answer that makes it; only its hash is kept, and no answer shows that. A new
token replaces the old one at once (the lookup is by hash). Deleting an agent deactivates it: handoffs,
notes and conversations keep pointing at it, so the history still says who did what; its token is
refused from that moment, and ``active: true`` brings it back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.security import hash_token, new_token
from bot.tenancy.agent_accounts import DEFAULT_CAPACITY, MAX_CAPACITY, create_agent
from bot.tenancy.config_errors import Conflict, Invalid, NotFound
from bot.tenancy.row_versions import check_version
from bot.tenancy.schema_base import RequestModel, ResponseModel, apply_changes, given_changes
from storage import tenants
from storage.keyset import Page, newest_first
from storage.models import Agent, Tenant, utcnow
from storage.sql import get_owned

AgentName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Capacity = Annotated[int, Field(ge=0, le=MAX_CAPACITY, description="conversations it may own at once")]
Role = Literal["agent", "admin"]
Expiry = Annotated[datetime | None, Field(description="the token is refused after this time (null: never)")]


class AgentFields(RequestModel):
    name: AgentName
    email: Email | None = None
    role: Role = "agent"
    capacity: Capacity = DEFAULT_CAPACITY
    token_expires_at: Expiry = None


class AgentChanges(RequestModel):
    name: AgentName | None = None
    email: Email | None = None
    role: Role | None = None
    capacity: Capacity | None = None
    active: bool | None = None
    token_expires_at: Expiry = None


class NewAgentToken(RequestModel):
    token_expires_at: Expiry = None


class AgentView(ResponseModel):
    id: int
    name: str
    email: str | None
    role: str
    capacity: int
    active: bool
    token_expires_at: datetime | None
    last_seen_at: datetime | None
    created_at: datetime


class AgentWithToken(AgentView):
    token: str = Field(description="the agent's bearer token: shown in this answer only")


async def list_agents(
    session: AsyncSession, tenant_id: int, *, limit: int, before: int | None
) -> Page[Agent]:
    statement = select(Agent).where(Agent.tenant_id == tenant_id)
    return await newest_first(session, statement, Agent.id, limit=limit, before=before)


async def get_agent(
    session: AsyncSession, tenant_id: int, agent_id: int, *, for_update: bool = False
) -> Agent:
    agent = await get_owned(session, Agent, tenant_id, agent_id, for_update=for_update)
    if agent is None:
        raise NotFound(f"no agent {agent_id}")
    return agent


async def add_agent(session: AsyncSession, tenant_id: int, fields: AgentFields) -> tuple[Agent, str]:
    """The new agent and its token (to show once): the same service as `chatbot agent create`."""
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id}")
    created = await create_agent(
        session,
        tenant=tenant,
        name=fields.name,
        role=fields.role,
        email=fields.email,
        capacity=fields.capacity,
        expires_at=_future(fields.token_expires_at),
    )
    return await get_agent(session, tenant_id, created.id), created.secret


async def change_agent(
    session: AsyncSession, tenant_id: int, agent_id: int, changes: AgentChanges, *, if_match: str | None
) -> Agent:
    agent = await get_agent(session, tenant_id, agent_id, for_update=True)
    check_version(agent, if_match)
    values = given_changes(changes, nullable=("email", "token_expires_at"))
    renamed = "name" in values and values["name"] != agent.name
    if renamed and await tenants.get_agent_by_name(session, tenant_id, values["name"]) is not None:
        raise Conflict(f"an agent named {values['name']!r} already exists", field="name")
    if values.get("token_expires_at") is not None:
        values["token_expires_at"] = _future(values["token_expires_at"])
    apply_changes(agent, values)
    try:
        await session.flush()
    except IntegrityError:  # another request took the name between our check and this write
        raise Conflict(f"an agent named {agent.name!r} already exists", field="name") from None
    return agent


async def deactivate_agent(
    session: AsyncSession, tenant_id: int, agent_id: int, *, if_match: str | None
) -> None:
    agent = await get_agent(session, tenant_id, agent_id, for_update=True)
    check_version(agent, if_match)
    agent.active = False
    await session.flush()


async def replace_token(
    session: AsyncSession, tenant_id: int, agent_id: int, request: NewAgentToken
) -> tuple[Agent, str]:
    """A new token for the agent (to show once); the old one is refused from the moment this commits."""
    agent = await get_agent(session, tenant_id, agent_id, for_update=True)
    token = new_token("cba")
    agent.token_hash = hash_token(token)
    agent.token_expires_at = _future(request.token_expires_at)
    await session.flush()
    return agent, token


def _future(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise Invalid(
            "token_expires_at needs a time zone, e.g. 2030-01-31T12:00:00Z", field="token_expires_at"
        )
    if moment <= utcnow():
        raise Invalid(
            "token_expires_at must be in the future; set active to false to stop the agent now",
            field="token_expires_at",
        )
    return moment
