"""The outbound client's gate: at most ``limit`` requests reach the pool, each until its response closes."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.http_client import GatedTransport, outbound_client
from bot.config import ConfigError, load_settings


class HeldTransport(httpx.AsyncBaseTransport):
    """Answers 200 once ``opened`` is set, counting how many requests it holds at once."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.inside = 0
        self.most_inside = 0
        self.fail_next = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.fail_next:
            self.fail_next = False
            raise httpx.ConnectError("refused", request=request)
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            await self.opened.wait()
        finally:
            self.inside -= 1
        return httpx.Response(200, json={"ok": True})


async def test_at_most_limit_requests_reach_the_transport_and_the_rest_wait() -> None:
    inner = HeldTransport()
    async with httpx.AsyncClient(transport=GatedTransport(inner, 3)) as client:
        requests = [
            asyncio.create_task(client.post("http://platform.test/x", json={"n": n})) for n in range(10)
        ]
        for _ in range(20):
            await asyncio.sleep(0)
        assert inner.inside == 3
        inner.opened.set()
        responses = await asyncio.gather(*requests)
    assert [response.status_code for response in responses] == [200] * 10
    assert inner.most_inside == 3


async def test_a_streamed_response_holds_its_slot_until_it_is_closed() -> None:
    inner = HeldTransport()
    inner.opened.set()
    timeout = httpx.Timeout(5.0, pool=0.05)
    async with httpx.AsyncClient(transport=GatedTransport(inner, 1), timeout=timeout) as client:
        async with client.stream("GET", "http://platform.test/a") as first:
            assert first.status_code == 200
            with pytest.raises(httpx.PoolTimeout):
                await client.get("http://platform.test/b")
        second = await client.get("http://platform.test/b")
    assert second.json() == {"ok": True}


async def test_a_failed_request_gives_its_slot_back() -> None:
    inner = HeldTransport()
    inner.opened.set()
    inner.fail_next = True
    gated = GatedTransport(inner, 1)
    async with httpx.AsyncClient(transport=gated, timeout=httpx.Timeout(5.0, pool=0.05)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://platform.test/a")
        assert (await client.get("http://platform.test/b")).status_code == 200


async def test_a_cancelled_request_gives_its_slot_back() -> None:
    inner = HeldTransport()
    gated = GatedTransport(inner, 1)
    async with httpx.AsyncClient(transport=gated, timeout=httpx.Timeout(5.0, pool=0.05)) as client:
        waiting = asyncio.create_task(client.get("http://platform.test/a"))
        for _ in range(10):
            await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        inner.opened.set()
        assert (await client.get("http://platform.test/b")).status_code == 200


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GatedTransport(HeldTransport(), 0)


async def test_the_outbound_client_sends_many_replies_through_few_connections() -> None:
    peers: set[object] = set()
    inside = most_inside = 0

    async def messages(request: web.Request) -> web.Response:
        nonlocal inside, most_inside
        peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        inside += 1
        most_inside = max(most_inside, inside)
        await asyncio.sleep(0.01)
        inside -= 1
        return web.json_response({"message_id": f"m.{(await request.json())['n']}"})

    app = web.Application()
    app.router.add_post("/messages", messages)
    async with TestServer(app) as server, outbound_client(4) as client:
        url = str(server.make_url("/messages"))
        responses = await asyncio.gather(*(client.post(url, json={"n": n}) for n in range(40)))
    answered = sorted(response.json()["message_id"] for response in responses)
    assert answered == sorted(f"m.{n}" for n in range(40))
    assert most_inside <= 4
    assert len(peers) <= 4


def test_the_setting_has_a_default_and_refuses_zero() -> None:
    assert load_settings({}).outbound_connections == 16
    assert load_settings({"CHATBOT_OUTBOUND_CONNECTIONS": "64"}).outbound_connections == 64
    with pytest.raises(ConfigError, match=r"^CHATBOT_OUTBOUND_CONNECTIONS: "):
        load_settings({"CHATBOT_OUTBOUND_CONNECTIONS": "0"})
