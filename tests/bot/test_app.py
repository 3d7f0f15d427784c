"""The application factory: every resource the app opens at start is closed at cleanup."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from aiohttp import web

from adapters.base import Platform
from adapters.console import ConsoleAdapter
from bot.app import create_app
from bot.config import Settings
from bot.runtime import Runtime, build_runtime


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> list[httpx.AsyncClient]:
    """Every httpx.AsyncClient created during the test, in order."""
    made: list[httpx.AsyncClient] = []

    class RecordedClient(httpx.AsyncClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(httpx, "AsyncClient", RecordedClient)
    return made


def runtime_without_a_client(settings: Settings) -> Runtime:
    return build_runtime(
        settings,
        adapters={Platform.CONSOLE.value: ConsoleAdapter()},
        except_platforms=(Platform.CONSOLE.value,),
    )


async def start_and_clean_up(app: web.Application) -> None:
    runner = web.AppRunner(app)
    await runner.setup()
    await runner.cleanup()


async def test_a_client_made_for_a_runtime_without_one_is_closed_at_cleanup(
    settings: Settings, clients: list[httpx.AsyncClient]
) -> None:
    await start_and_clean_up(create_app(settings, runtime_without_a_client))

    assert len(clients) == 1
    assert all(client.is_closed for client in clients)


async def test_the_served_runtime_shares_one_client_and_closes_it(
    settings: Settings, clients: list[httpx.AsyncClient]
) -> None:
    await start_and_clean_up(create_app(settings))

    assert len(clients) == 1
    assert clients[0].is_closed
