"""`/api/v1/knowledge`: a tenant's knowledge entries (bot.tenancy.knowledge_entries does the work)."""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import knowledge_entries as service
from bot.tenancy import knowledge_import
from bot.tenancy.knowledge_entries import KnowledgeChanges, KnowledgeFields, KnowledgeFilter, KnowledgeView
from bot.tenancy.knowledge_import import CONTENT_TYPES, MAX_IMPORT_BYTES, ImportAnswer, ImportQuery
from bot.tenancy.row_versions import etag_of
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model, respond_page
from storage.db import read_only, transaction

routes = RouteTable("knowledge")
ONE = "/knowledge/{entry_id}"


@routes.get(
    "/knowledge", "Search knowledge entries", response=KnowledgeView, paged=True, query=KnowledgeFilter
)
async def list_knowledge(call: ApiCall) -> web.StreamResponse:
    where = call.query(KnowledgeFilter)
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.search_entries(
            session, call.tenant_id, where, limit=page.limit, before=page.before
        )
        items = [KnowledgeView.model_validate(row) for row in found.rows]
    return respond_page(call, items, found.next_before)


@routes.post(
    "/knowledge", "Add a knowledge entry", body=KnowledgeFields, response=KnowledgeView, status=201, etag=True
)
async def create_knowledge(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(KnowledgeFields)
    async with transaction(call.sessions) as session:
        entry = await service.add_entry(session, call.tenant_id, fields)
    return respond_model(KnowledgeView.model_validate(entry), status=201, etag=etag_of(entry))


@routes.post(
    "/knowledge/import",
    "Import knowledge entries from a CSV or JSON Lines file",
    query=ImportQuery,
    response=ImportAnswer,
    raw_body_types=tuple(CONTENT_TYPES),
    max_body=MAX_IMPORT_BYTES,
    description=(
        "The body is the file (at most 5 MiB, UTF-8): CSV with a header row naming at least `question` "
        "and `answer` (also `keywords`, `category`, `active`), or JSON Lines with one object per line. "
        "The format comes from `?format=csv|jsonl`, else from the Content-Type (`text/csv`, "
        "`application/x-ndjson` or `application/jsonl`). As with `chatbot kb import`, good rows are "
        "added and each bad row is reported by its line in `errors` (fix those and send the file again: "
        "rows already added are skipped as `skipped_existing`). A problem with the whole file (empty, no "
        "`answer` column, not UTF-8, an unbalanced quote) is a 422 naming `body`, and nothing is added."
    ),
)
async def import_knowledge(call: ApiCall) -> web.StreamResponse:
    where = call.query(ImportQuery)
    fmt = knowledge_import.body_format(call.request.content_type, where.format)
    async with transaction(call.sessions) as session:
        answer = await knowledge_import.import_knowledge_body(session, call.tenant_id, call.body, fmt)
    return respond_model(answer)


@routes.get(ONE, "Read a knowledge entry", response=KnowledgeView, etag=True)
async def get_knowledge(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        entry = await service.get_entry(session, call.tenant_id, call.id("entry_id"))
    return respond_model(KnowledgeView.model_validate(entry), etag=etag_of(entry))


@routes.patch(
    ONE,
    "Change or disable a knowledge entry",
    body=KnowledgeChanges,
    response=KnowledgeView,
    etag=True,
    if_match=True,
)
async def update_knowledge(call: ApiCall) -> web.StreamResponse:
    changes = call.parsed(KnowledgeChanges)
    async with transaction(call.sessions) as session:
        entry = await service.update_entry(
            session, call.tenant_id, call.id("entry_id"), changes, if_match=call.if_match()
        )
    return respond_model(KnowledgeView.model_validate(entry), etag=etag_of(entry))


@routes.delete(ONE, "Delete a knowledge entry", status=204, if_match=True)
async def delete_knowledge(call: ApiCall) -> web.StreamResponse:
    async with transaction(call.sessions) as session:
        await service.delete_entry(session, call.tenant_id, call.id("entry_id"), if_match=call.if_match())
    return no_content()
