"""The admin API's conventions, shown on templates and knowledge: who may call, how refusals look,
paging, ETag / If-Match, size limits, and that another tenant's ids do not exist."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.tenancy.agent_accounts import create_agent
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.tenant_accounts import require_tenant, rotate_api_key
from storage.db import transaction
from tests.support.admin_api import AdminApi

GREETING = {"name": "spring-sale", "trigger_keywords": ["sale", "discount"], "body": "Hello {first_name}!"}


async def test_an_admin_creates_reads_changes_and_deletes_a_template(admin: AdminApi) -> None:
    created = await admin.post("/templates", GREETING)
    assert created.status == 201, created.body
    template_id = created.body["id"]
    assert created.body["trigger_keywords"] == ["sale", "discount"]

    read = await admin.get(f"/templates/{template_id}")
    assert read.status == 200
    assert read.body["body"] == "Hello {first_name}!"
    assert read.etag == created.etag

    changed = await admin.patch(
        f"/templates/{template_id}", {"body": "Hi there!"}, headers={"If-Match": read.etag}
    )
    assert changed.status == 200
    assert changed.body["body"] == "Hi there!"
    assert changed.body["name"] == "spring-sale"
    assert changed.etag != read.etag

    gone = await admin.delete(f"/templates/{template_id}", headers={"If-Match": changed.etag})
    assert gone.status == 204
    assert (await admin.get(f"/templates/{template_id}")).status == 404


async def test_a_second_editor_with_a_stale_etag_gets_412_and_nothing_changes(admin: AdminApi) -> None:
    created = await admin.post("/knowledge", {"question": "Do you ship abroad?", "answer": "Yes, to the EU."})
    entry = f"/knowledge/{created.body['id']}"
    first = await admin.patch(entry, {"answer": "Yes, worldwide."}, headers={"If-Match": created.etag})
    assert first.status == 200

    second = await admin.patch(entry, {"answer": "No."}, headers={"If-Match": created.etag})

    assert second.status == 412
    assert second.error["code"] == "stale"
    assert second.error["field"] == "If-Match"
    assert (await admin.get(entry)).body["answer"] == "Yes, worldwide."
    assert (await admin.delete(entry, headers={"If-Match": created.etag})).status == 412


async def test_refusals_name_the_field_and_unknown_fields_are_refused(admin: AdminApi) -> None:
    unknown = await admin.post("/templates", {**GREETING, "colour": "red"})
    assert unknown.status == 422
    assert unknown.error == {
        "status": 422, "code": "unknown_field", "message": "unknown field colour", "field": "colour"
    }  # fmt: skip

    missing = await admin.post("/templates", {"name": "x"})
    assert (missing.status, missing.error["code"], missing.error["field"]) == (422, "required", "body")

    bad_keyword = await admin.post("/knowledge", {"question": "q", "answer": "a", "keywords": ["ok", ""]})
    assert (bad_keyword.status, bad_keyword.error["field"]) == (422, "keywords.1")

    not_object = await admin.post("/templates", [1, 2])
    assert (not_object.status, not_object.error["code"]) == (400, "invalid_json")

    null_name = await admin.patch(
        f"/templates/{(await admin.post('/templates', GREETING)).body['id']}", {"name": None}
    )
    assert (null_name.status, null_name.error["field"]) == (422, "name")


async def test_a_duplicate_name_is_a_409(admin: AdminApi) -> None:
    assert (await admin.post("/templates", GREETING)).status == 201
    again = await admin.post("/templates", GREETING)
    assert (again.status, again.error["code"], again.error["field"]) == (409, "conflict", "name")


async def test_a_body_over_the_limit_is_413_and_nothing_is_stored(admin: AdminApi) -> None:
    huge = {"question": "big?", "answer": "x" * (70 * 1024)}
    answer = await admin.post("/knowledge", huge)
    assert answer.status == 413
    assert answer.error["code"] == "too_large"
    listed = await admin.get("/knowledge?q=big")
    assert listed.body["items"] == []


async def test_lists_come_newest_first_in_pages_with_a_next_link(admin: AdminApi) -> None:
    for n in range(5):
        assert (
            await admin.post("/knowledge", {"question": f"paging question {n}", "answer": "a"})
        ).status == 201

    first = await admin.get("/knowledge?q=paging&limit=2")
    assert [e["question"] for e in first.body["items"]] == ["paging question 4", "paging question 3"]
    second = await admin.get(first.body["next"])
    assert [e["question"] for e in second.body["items"]] == ["paging question 2", "paging question 1"]
    third = await admin.get(second.body["next"])
    assert [e["question"] for e in third.body["items"]] == ["paging question 0"]
    assert third.body["next"] is None

    bad_cursor = await admin.get("/knowledge?cursor=not-ours")
    assert (bad_cursor.status, bad_cursor.error["field"]) == (422, "cursor")
    bad_limit = await admin.get("/knowledge?limit=0")
    assert (bad_limit.status, bad_limit.error["field"]) == (422, "limit")


async def test_knowledge_search_filters_by_words_category_and_state(admin: AdminApi) -> None:
    await admin.post(
        "/knowledge", {"question": "Winter opening times?", "answer": "9 to 5", "category": "Winter"}
    )
    hidden = await admin.post(
        "/knowledge", {"question": "Old winter times?", "answer": "8 to 4", "active": False}
    )

    by_word = await admin.get("/knowledge?q=WINTER+times&active=true")
    assert [e["question"] for e in by_word.body["items"]] == ["Winter opening times?"]
    inactive = await admin.get("/knowledge?active=false")
    assert [e["id"] for e in inactive.body["items"]] == [hidden.body["id"]]
    by_category = await admin.get("/knowledge?category=winter")
    assert [e["question"] for e in by_category.body["items"]] == ["Winter opening times?"]


async def test_another_tenants_ids_are_not_found(admin: AdminApi, other_admin: AdminApi) -> None:
    mine = await admin.post("/templates", GREETING)
    path = f"/templates/{mine.body['id']}"

    assert (await other_admin.get(path)).status == 404
    assert (await other_admin.patch(path, {"body": "taken over"})).status == 404
    assert (await other_admin.delete(path)).status == 404
    assert mine.body["id"] not in [t["id"] for t in (await other_admin.get("/templates")).body["items"]]
    assert (await admin.get(path)).body["body"] == GREETING["body"]


async def test_without_a_valid_key_every_route_is_401_and_a_replaced_key_at_once(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert (await admin.get("/templates", key="cbk_nonsense")).status == 401
    async with admin.client.get("/api/v1/templates") as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await admin.get("/templates")).status == 200

    async with transaction(sessions) as session:
        await rotate_api_key(session, await require_tenant(session, "demo"))

    assert (await admin.get("/templates")).status == 401


async def test_an_admin_agent_may_use_the_api_and_a_plain_agent_may_not(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    async with transaction(sessions) as session:
        tenant = await require_tenant(session, "demo")
        boss = await create_agent(session, tenant=tenant, name="Boss", role="admin", email=None)
        helper = await create_agent(session, tenant=tenant, name="Helper", role="agent", email=None)

    assert (await admin.get("/templates", key=boss.secret)).status == 200
    refused = await admin.get("/templates", key=helper.secret)
    assert (refused.status, refused.error["code"]) == (403, "forbidden")


async def test_the_openapi_document_lists_every_admin_and_agent_route(admin: AdminApi) -> None:
    async with admin.client.get("/api/v1/openapi.json") as response:
        assert response.status == 200
        document = await response.json()
    assert document["openapi"].startswith("3.1")
    documented = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    served = set()
    for resource in admin.client.app.router.resources():
        path = resource.canonical
        if not path.startswith("/api/v1/") or path in UNDOCUMENTED:
            continue
        for route in resource:
            if route.method not in ("HEAD", "OPTIONS"):
                served.add((route.method, _openapi_path(path)))
    assert served <= documented, served - documented
    assert ("POST", "/api/v1/knowledge") in served
    assert ("POST", "/api/v1/agent/conversations/{conversation_id}/reply") in served


UNDOCUMENTED = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/{name}"}


def _openapi_path(canonical: str) -> str:
    return re.sub(r"{(\w+):[^}]*}", r"{\1}", canonical)
