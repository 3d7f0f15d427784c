"""Health endpoints as a load balancer sees them: /healthz (the process), /readyz (database, workers, key)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Platform
from adapters.console import ConsoleAdapter
from bot.app import create_app
from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from bot.security import CredentialBox
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from bot.tenancy.demo.seed import DemoReport
from bot.tenancy.tenant_accounts import require_tenant
from bot.web.app_keys import RUNTIME
from storage.db import create_engine, transaction
from tests.support.platforms import World

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/x"
# How long a freshly started app may take to report ready: a readiness probe pings the database within its
# own 2-second deadline, and a first connection on a loaded test machine can miss one.
READY_WITHIN_SECONDS = 20.0


async def once_ready(client: TestClient[Any, Any]) -> ClientResponse:
    """/readyz's answer once it says ready, or its last answer when it has not within the time allowed."""
    deadline = asyncio.get_running_loop().time() + READY_WITHIN_SECONDS
    while True:
        response = await client.get("/readyz")
        if response.status == 200 or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.2)


def unreachable_runtime(settings: Settings) -> Runtime:
    """The serving runtime, but its database engine points at a port where nothing listens."""
    return build_runtime(
        settings,
        adapters={Platform.CONSOLE.value: ConsoleAdapter()},
        except_platforms=(Platform.CONSOLE.value,),
        db=create_engine(UNREACHABLE),
    )


async def test_healthz_answers_ok(aiohttp_client: AiohttpClient, settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings))

    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_ok_once_the_workers_run(aiohttp_client: AiohttpClient, settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings))

    response = await once_ready(client)

    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_readyz_fails_naming_the_workers_when_they_stop(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    app = create_app(settings)
    client = await aiohttp_client(app)
    assert (await once_ready(client)).status == 200

    await app[RUNTIME].worker.stop()
    response = await client.get("/readyz")

    assert response.status == 503
    body = await response.json()
    assert body["status"] != "ok"
    assert "worker" in body["detail"]
    assert (await client.get("/healthz")).status == 200


async def test_readyz_fails_when_the_outbox_sender_stops(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    app = create_app(settings)
    client = await aiohttp_client(app)

    await app[RUNTIME].sender.stop()
    response = await client.get("/readyz")

    assert response.status == 503
    assert "worker" in (await response.json())["detail"]


async def test_readyz_fails_naming_the_database_while_healthz_stays_up(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings, runtime_factory=unreachable_runtime))

    ready = await client.get("/readyz")
    health = await client.get("/healthz")

    assert ready.status == 503
    body = await ready.json()
    assert body["status"] != "ok"
    assert "database" in body["detail"]
    assert "127.0.0.1:1" not in body["detail"]  # where the database lives is not the caller's business
    assert health.status == 200
    assert await health.json() == {"status": "ok"}


async def test_readyz_fails_naming_channels_whose_credentials_the_key_cannot_open(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    box: CredentialBox,
    demo: DemoReport,
) -> None:
    async with transaction(sessions) as session:
        tenant = await require_tenant(session, "demo")
        channel = await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(
                platform="messenger",
                external_id="1000000001",
                name="Demo page",
                secrets={"access_token": "page-token", "app_secret": "app-secret", "verify_token": "verify"},
            ),
        )
    rekeyed = settings.model_copy(update={"secret_key": SecretStr(Fernet.generate_key().decode())})
    client = await aiohttp_client(create_app(rekeyed))
    # The check runs once at start; on a loaded machine it may take longer than a probe's deadline,
    # which is not what this test is about.
    await client.app[RUNTIME].unreadable_credentials()

    ready = await client.get("/readyz")
    handshake = await client.get(
        f"/webhooks/messenger/{channel.webhook_key}",
        params={"hub.mode": "subscribe", "hub.verify_token": "verify", "hub.challenge": "42"},
    )

    assert ready.status == 503
    detail = (await ready.json())["detail"]
    assert "credentials" in detail
    assert f"demo/messenger 'Demo page' (id {channel.id})" in detail
    for secret in ("page-token", "app-secret", "verify", channel.webhook_key):
        assert secret not in detail
    assert handshake.status == 503
    assert (await handshake.json())["error"]["message"] == "channel credentials unreadable"
    assert (await client.get("/healthz")).status == 200


async def test_readyz_is_ok_when_the_key_opens_every_channel(world: World) -> None:
    response = await world.client.get("/readyz")

    assert response.status == 200
