"""`/api/v1/intents`: a tenant's own intents (bot.tenancy.tenant_intents does the work, as for the CLI).

Intents are named, not numbered, so there is no ``/intents/{id}``: ``POST /intents`` adds or replaces
one by its name, and ``DELETE /intents?name=...`` removes one.
"""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import tenant_intents as service
from bot.tenancy.schema_base import RequestModel
from bot.tenancy.tenant_intents import IntentFields, IntentList, IntentName, IntentView
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model
from storage.db import read_only, transaction

routes = RouteTable("intents")


class IntentSelector(RequestModel):
    name: IntentName


@routes.get("/intents", "List the tenant's intents", response=IntentList)
async def list_intents(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        intents = await service.list_intents(session, call.tenant_id)
    return respond_model(IntentList(items=intents))


@routes.post(
    "/intents",
    "Add an intent, or replace the examples of one",
    body=IntentFields,
    response=IntentView,
    status=201,
    description=(
        "The name is stored lower case with `_` for spaces (`Wholesale Order` is `wholesale_order`). "
        "A new name answers 201; an existing one has its examples replaced and answers 200. The same "
        "as `chatbot intent add`."
    ),
)
async def save_intent(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(IntentFields)
    async with transaction(call.sessions) as session:
        saved = await service.save_intent(session, call.tenant_id, fields)
    return respond_model(saved.intent, status=201 if saved.created else 200)


@routes.delete(
    "/intents",
    "Remove an intent by its name",
    status=204,
    query=IntentSelector,
    description=(
        "`DELETE /intents?name=wholesale` removes the intent named `wholesale` (404 naming `name` when "
        "there is none). The same as `chatbot intent remove`."
    ),
)
async def remove_intent(call: ApiCall) -> web.StreamResponse:
    selector = call.query(IntentSelector)
    async with transaction(call.sessions) as session:
        await service.remove_intent(session, call.tenant_id, selector.name)
    return no_content()
