"""Fixtures for the admin API: the demo tenant's admin and a second tenant's, on one app."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.config import Settings
from bot.tenancy.demo.seed import DemoReport
from tests.support.admin_api import AdminApi, second_tenant_key


@pytest.fixture
async def api_client(aiohttp_client: AiohttpClient, settings: Settings) -> Any:
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def admin(api_client: Any, demo: DemoReport) -> AdminApi:
    assert demo.api_key is not None
    return AdminApi(api_client, demo.api_key)


@pytest.fixture
async def other_admin(api_client: Any, sessions: async_sessionmaker[AsyncSession]) -> AdminApi:
    return AdminApi(api_client, await second_tenant_key(sessions))
