"""`/api/v1/synonyms`: a tenant's own synonym groups for the knowledge search (bot.tenancy.tenant_synonyms
does the work, as for the CLI).

Groups are named, not numbered, so there is no ``/synonyms/{id}``: ``POST /synonyms`` adds or replaces
one by its name, and ``DELETE /synonyms?name=...`` removes one.
"""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import tenant_synonyms as service
from bot.tenancy.schema_base import RequestModel
from bot.tenancy.tenant_synonyms import GroupName, SynonymGroupFields, SynonymGroupList, SynonymGroupView
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model
from storage.db import read_only, transaction

routes = RouteTable("synonyms")


class GroupSelector(RequestModel):
    name: GroupName


@routes.get("/synonyms", "List the tenant's synonym groups", response=SynonymGroupList)
async def list_groups(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        groups = await service.list_groups(session, call.tenant_id)
    return respond_model(SynonymGroupList(items=groups))


@routes.post(
    "/synonyms",
    "Add a synonym group, or replace the members of one",
    body=SynonymGroupFields,
    response=SynonymGroupView,
    status=201,
    description=(
        "The knowledge search counts every member as meaning the same as the name, which is itself one of "
        'the group: `{"name": "loyalty", "members": ["coffee passport", "stamp card"]}` lets "what is the '
        'coffee passport" find the entry about loyalty points (`chatbot kb test` shows it as '
        "`tenant:loyalty`). The name is stored as the search reads it (`Loyalty-Card` is `loyalty card`). "
        "A new name answers 201; an existing one has its members replaced and answers 200. The next turn "
        "uses the change. The same as `chatbot kb synonyms add`."
    ),
)
async def save_group(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(SynonymGroupFields)
    async with transaction(call.sessions) as session:
        saved = await service.save_group(session, call.tenant_id, fields)
    return respond_model(saved.group, status=201 if saved.created else 200)


@routes.delete(
    "/synonyms",
    "Remove a synonym group by its name",
    status=204,
    query=GroupSelector,
    description=(
        "`DELETE /synonyms?name=loyalty` removes the group named `loyalty` (404 naming `name` when there is "
        "none). The same as `chatbot kb synonyms remove`."
    ),
)
async def remove_group(call: ApiCall) -> web.StreamResponse:
    selector = call.query(GroupSelector)
    async with transaction(call.sessions) as session:
        await service.remove_group(session, call.tenant_id, selector.name)
    return no_content()
