"""The fake GroupMe API answers as GroupMe does: 202 on a good post, the V3 error envelope otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fakes.groupme import FakeGroupMe


@pytest.fixture
async def fake() -> AsyncIterator[FakeGroupMe]:
    async with FakeGroupMe(bot_ids={"bot-1": "group-1"}) as server:
        yield server


@pytest.fixture
async def client(fake: FakeGroupMe) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake.base_url, timeout=5) as http:
        yield http


async def test_start_returns_a_local_base_url_that_answers(fake: FakeGroupMe) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.post(f"{fake.base_url}/bots/post", json={"bot_id": "bot-1", "text": "hi"})
    assert response.status_code == 202


async def test_a_good_post_is_accepted_with_202_and_an_empty_body(
    fake: FakeGroupMe, client: httpx.AsyncClient
) -> None:
    body = {"bot_id": "bot-1", "text": "We open at 9.", "source_guid": "m1-0"}
    response = await client.post("/bots/post", json=body)
    assert response.status_code == 202
    assert response.content == b""
    assert fake.posts == [body]


async def test_an_unknown_bot_id_is_404_with_groupme_envelope(
    fake: FakeGroupMe, client: httpx.AsyncClient
) -> None:
    response = await client.post("/bots/post", json={"bot_id": "bot-2", "text": "hi"})
    assert response.status_code == 404
    assert response.json() == {"meta": {"code": 404, "errors": ["not found"]}, "response": None}
    assert fake.posts == []


async def test_a_missing_bot_id_is_404(fake: FakeGroupMe, client: httpx.AsyncClient) -> None:
    response = await client.post("/bots/post", json={"text": "hi"})
    assert response.status_code == 404
    assert fake.posts == []


@pytest.mark.parametrize(
    "content",
    [b"bot_id=bot-1&text=hi", b'["bot-1", "hi"]', b'{"bot_id": "bot-1"'],
    ids=["form-encoded", "json-list", "truncated-json"],
)
async def test_a_body_that_is_not_a_json_object_is_400(
    fake: FakeGroupMe, client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post("/bots/post", content=content)
    assert response.status_code == 400
    assert response.json()["meta"]["code"] == 400
    assert response.json()["response"] is None
    assert fake.posts == []


@pytest.mark.parametrize(
    "text", [None, "", 42, "x" * 1001], ids=["missing", "empty", "not-a-string", "over-1000"]
)
async def test_text_must_be_a_non_empty_string_of_at_most_1000_characters(
    fake: FakeGroupMe, client: httpx.AsyncClient, text: object
) -> None:
    body: dict[str, object] = {"bot_id": "bot-1"}
    if text is not None:
        body["text"] = text
    response = await client.post("/bots/post", json=body)
    assert response.status_code == 400
    assert response.json()["meta"]["code"] == 400
    assert response.json()["meta"]["errors"]
    assert fake.posts == []


async def test_exactly_1000_characters_is_accepted(fake: FakeGroupMe, client: httpx.AsyncClient) -> None:
    response = await client.post("/bots/post", json={"bot_id": "bot-1", "text": "x" * 1000})
    assert response.status_code == 202
    assert len(fake.posts) == 1


async def test_a_source_guid_that_is_not_a_string_is_400(
    fake: FakeGroupMe, client: httpx.AsyncClient
) -> None:
    response = await client.post("/bots/post", json={"bot_id": "bot-1", "text": "hi", "source_guid": 7})
    assert response.status_code == 400
    assert fake.posts == []


async def test_a_repeated_source_guid_is_accepted_but_recorded_once(
    fake: FakeGroupMe, client: httpx.AsyncClient
) -> None:
    body = {"bot_id": "bot-1", "text": "hi", "source_guid": "m1-0"}
    first = await client.post("/bots/post", json=body)
    again = await client.post("/bots/post", json=body)
    other = await client.post("/bots/post", json={**body, "source_guid": "m1-1"})
    assert (first.status_code, again.status_code, other.status_code) == (202, 202, 202)
    assert [p["source_guid"] for p in fake.posts] == ["m1-0", "m1-1"]
    assert len(fake.requests) == 3


async def test_posts_without_source_guid_are_never_deduped(
    fake: FakeGroupMe, client: httpx.AsyncClient
) -> None:
    body = {"bot_id": "bot-1", "text": "hi"}
    await client.post("/bots/post", json=body)
    await client.post("/bots/post", json=body)
    assert fake.posts == [body, body]


async def test_every_request_is_recorded_even_when_rejected(
    fake: FakeGroupMe, client: httpx.AsyncClient
) -> None:
    await client.post("/bots/post", json={"bot_id": "nope", "text": "hi"})
    await client.post("/bots/post", json={"bot_id": "bot-1", "text": "hi"})
    assert [r.json()["bot_id"] for r in fake.requests] == ["nope", "bot-1"]
    assert all((r.method, r.path) == ("POST", "/bots/post") for r in fake.requests)
    assert fake.requests[0].headers["Content-Type"] == "application/json"
    assert len(fake.posts) == 1


async def test_scripted_failures_come_first_then_the_fake_recovers(
    fake: FakeGroupMe, client: httpx.AsyncClient
) -> None:
    fake.fail_next(status=503, times=2, retry_after=7)
    body = {"bot_id": "bot-1", "text": "hi", "source_guid": "m1-0"}
    statuses = []
    for _ in range(3):
        response = await client.post("/bots/post", json=body)
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert response.headers["Retry-After"] == "7"
            assert response.json()["meta"]["code"] == 503
    assert statuses == [503, 503, 202]
    assert fake.posts == [body]
    assert len(fake.requests) == 3


async def test_a_scripted_failure_preempts_every_other_check(
    fake: FakeGroupMe, client: httpx.AsyncClient
) -> None:
    fake.fail_next(status=429)
    response = await client.post("/bots/post", content=b"not json at all")
    assert response.status_code == 429
    assert "Retry-After" not in response.headers
    assert response.json() == {"meta": {"code": 429, "errors": ["scripted failure"]}, "response": None}


async def test_close_stops_the_server() -> None:
    fake = FakeGroupMe(bot_ids={"bot-1": "group-1"})
    base_url = await fake.start()
    await fake.close()
    async with httpx.AsyncClient(timeout=5) as http:
        with pytest.raises(httpx.ConnectError):
            await http.post(f"{base_url}/bots/post", json={"bot_id": "bot-1", "text": "hi"})
