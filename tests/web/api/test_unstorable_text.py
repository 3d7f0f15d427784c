"""Text that no database can store (a NUL character) is refused as a 422 naming the field, on SQLite
and on PostgreSQL alike: found by tests/web/api/test_openapi_fuzz.py, where PostgreSQL answered 503."""

from __future__ import annotations

from tests.support.admin_api import AdminApi


async def test_a_knowledge_entry_with_a_nul_character_is_refused_naming_the_field(admin: AdminApi) -> None:
    refused = await admin.post("/knowledge", {"question": "zebrafish\x00feed?", "answer": "Write to us"})

    assert refused.status == 422
    assert refused.error["field"] == "question"
    assert "NUL" in refused.error["message"]
    assert (await admin.get("/knowledge?q=zebrafish")).body["items"] == []


async def test_a_nul_in_a_keyword_a_change_or_a_search_is_refused_too(admin: AdminApi) -> None:
    template = await admin.post(
        "/templates", {"name": "sale", "trigger_keywords": ["sale\x00"], "body": "Hi"}
    )
    created = await admin.post("/templates", {"name": "sale", "trigger_keywords": ["sale"], "body": "Hi"})
    changed = await admin.patch(f"/templates/{created.body['id']}", {"body": "Hi\x00there"})
    searched = await admin.get("/knowledge?q=caf%00e")

    assert (template.status, template.error["field"]) == (422, "trigger_keywords")
    assert (changed.status, changed.error["field"]) == (422, "body")
    assert (searched.status, searched.error["field"]) == (422, "q")
    assert (await admin.get(f"/templates/{created.body['id']}")).body["body"] == "Hi"


async def test_a_lone_surrogate_is_a_bad_body_and_an_emoji_is_fine(admin: AdminApi) -> None:
    lone = await admin.post(
        "/knowledge",
        data='{"question": "x\\ud800", "answer": "y"}',
        headers={"Content-Type": "application/json"},
    )
    emoji = await admin.post("/knowledge", {"question": "coffee \U0001f600?", "answer": "yes"})

    assert lone.status == 400
    assert emoji.status == 201
    assert emoji.body["question"] == "coffee \U0001f600?"
