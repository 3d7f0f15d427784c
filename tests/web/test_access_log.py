"""The access log of the server `chatbot serve` starts: routes with their secret parts masked, no query."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.app import start_server
from bot.web.http_errors import json_errors

KEY = "wk-Hn4vQ8rTz2LmXp"
TOKEN = "lnk-7Ud2pQ9sVw"
QUERY_SECRET = "verify-Kq2w8Ze"


async def ok(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def crash(request: web.Request) -> web.Response:
    raise RuntimeError("handler bug")


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("https://shop.example/")


@pytest.fixture
async def server(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[httpx.AsyncClient]:
    caplog.set_level(logging.INFO)
    (tmp_path / "app.js").write_text("console.log('hi')")
    app = web.Application(middlewares=[json_errors])
    app.router.add_get("/webhooks/{platform}/{channel_key}", ok)
    app.router.add_post("/webhooks/{platform}/{channel_key}", crash)
    app.router.add_get("/r/{token}", redirect)
    app.router.add_get("/healthz", ok)
    app.router.add_static("/console", tmp_path)
    runner = await start_server(app, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as client:
            yield client
    finally:
        await runner.cleanup()


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the server logged (the test's own HTTP client logs its URLs, secrets and all)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))


async def test_routed_requests_are_logged_as_their_route_with_secret_parts_masked(
    server: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await server.get(f"/webhooks/groupme/{KEY}", params={"hub.verify_token": QUERY_SECRET})
    await server.get(f"/r/{TOKEN}")
    await server.get("/healthz", params={"token": QUERY_SECRET})
    await server.get("/console/app.js")
    lines = access_lines(caplog)
    assert [line.rsplit(" ", 2)[0] for line in lines] == [
        "GET /webhooks/groupme/*** 200",
        "GET /r/*** 302",
        "GET /healthz 200",
        "GET /console/app.js 200",
    ]
    assert all(line.endswith("s") and "B " in line for line in lines)  # size and time
    logged = server_log(caplog)
    assert KEY not in logged
    assert TOKEN not in logged
    assert QUERY_SECRET not in logged


async def test_requests_no_route_matched_keep_only_their_first_segment(
    server: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await server.get(f"/webhooks/groupme/{KEY}/extra")
    await server.delete(f"/webhooks/groupme/{KEY}")
    await server.get(f"/{TOKEN}")
    assert [line.rsplit(" ", 2)[0] for line in access_lines(caplog)] == [
        "GET /webhooks/*** 404",
        "DELETE /webhooks/*** 405",
        f"GET /{TOKEN} 404",  # a lone segment is kept: a route's secret is never its first segment
    ]
    assert KEY not in server_log(caplog)


async def test_an_unhandled_error_is_logged_without_the_webhook_key(
    server: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await server.post(f"/webhooks/groupme/{KEY}", content=b"{}")
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "internal error"
    assert "unhandled error on POST /webhooks/groupme/***" in server_log(caplog)
    assert KEY not in server_log(caplog)
