"""A real browser (Debian's chromium, driven by Playwright) and a real server on a free port.

Chromium comes from the system (``apt-get install chromium``; .ci/run installs it when missing), never
from a Playwright download. Without chromium or the playwright package a developer's run skips these
tests with the reason; under CI=true they fail instead, so CI cannot pass without having run them.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.meta import sign
from bot.app import create_app, start_server
from bot.config import Settings
from bot.security import CredentialBox
from bot.tenancy.agent_accounts import create_agent
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from bot.tenancy.demo.seed import DemoReport
from storage.db import transaction
from storage.models import Agent, Conversation, Customer, LeadActivity, Tenant
from tests.conftest import sqlite_database
from tests.fakes.graph import FakeGraphAPI
from tests.support.platforms import (
    APP_SECRET,
    PAGE_ID,
    PAGE_TOKEN,
    PHONE_ID,
    VERIFY_TOKEN,
    WA_TOKEN,
    payload_json,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

WINDOW_TEMPLATE = "order_update"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHATBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox (containers run as root), and nothing that would reach the network on its own.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason}: CI must run the browser tests (.ci/run installs chromium with apt-get)")
    pytest.skip(f"{reason}: the browser tests need it (apt-get install chromium; pip install -e '.[dev]')")


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite only, unlike the rest of the suite: a page behaves the same on either database, and every
    API call and turn the pages make is tested on PostgreSQL too (tests/web, tests/pipeline). Running
    each browser test twice cost about a minute and a half of a CI run."""
    return sqlite_database(request, tmp_path)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    if not Path(CHROMIUM).is_file():
        unavailable(f"chromium is not installed (looked for {CHROMIUM})")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Site:
    """The app served on a local port, its Messenger page wired to the fake Graph API."""

    settings: Settings
    runner: web.AppRunner
    graph: FakeGraphAPI
    sessions: async_sessionmaker[AsyncSession]
    tenant_id: int
    messenger_key: str
    whatsapp_key: str

    @property
    def url(self) -> str:
        host, port = self.runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def stop(self) -> None:
        """Stop serving (as a deploy or a crash would); open consoles lose their stream."""
        await self.runner.cleanup()

    async def start_again(self, port: int) -> None:
        """A new process of the same app on the same port, reading the same database."""
        self.runner = await start_server(create_app(self.settings), "127.0.0.1", port)

    async def new_agent(self, name: str, *, role: str = "agent") -> str:
        """Create an agent of the demo tenant (as `chatbot agent create` does); returns its token."""
        async with transaction(self.sessions) as session:
            tenant = await session.get(Tenant, self.tenant_id)
            assert tenant is not None
            created = await create_agent(session, tenant=tenant, name=name, role=role, email=None)
        return created.secret

    async def disable_agent(self, name: str) -> None:
        async with transaction(self.sessions) as session:
            await session.execute(
                update(Agent)
                .where(Agent.tenant_id == self.tenant_id, Agent.name == name)
                .values(active=False)
            )

    async def customer_writes(self, psid: str, text: str, mid: str) -> None:
        """A signed Messenger webhook: the customer ``psid`` writes ``text``."""
        body = copy.deepcopy(payload_json("messenger", "text.json"))
        event = body["entry"][0]["messaging"][0]
        event["sender"]["id"] = psid
        event["timestamp"] = int(time.time() * 1000)
        event["message"] = {"mid": mid, "text": text}
        await self._post("messenger", self.messenger_key, body)

    async def whatsapp_customer_writes(self, wa_id: str, text: str, wamid: str) -> None:
        """A signed WhatsApp webhook: the customer ``wa_id`` writes ``text``."""
        body = copy.deepcopy(payload_json("whatsapp", "text.json"))
        value = body["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["wa_id"] = wa_id
        value["messages"][0].update(
            {"from": wa_id, "id": wamid, "timestamp": str(int(time.time())), "text": {"body": text}}
        )
        await self._post("whatsapp", self.whatsapp_key, body)

    async def _post(self, platform: str, key: str, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, APP_SECRET)}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.url}/webhooks/{platform}/{key}", data=raw, headers=headers) as answer,
        ):
            assert answer.status == 200, await answer.text()

    async def name_customer(self, psid: str, name: str) -> None:
        """What a profile lookup would have filled in (the Messenger webhook carries no name)."""
        async with transaction(self.sessions) as session:
            await session.execute(
                update(Customer)
                .where(Customer.tenant_id == self.tenant_id, Customer.platform_user_id == psid)
                .values(name=name)
            )

    async def customer_last_wrote(
        self, psid: str, moment: datetime, *, at_platform_only: bool = False
    ) -> None:
        """Move the customer's last message back in time: at the fake platform and (unless told) here."""
        self.graph.last_user_message[psid] = moment
        if at_platform_only:
            return
        async with transaction(self.sessions) as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.tenant_id == self.tenant_id, Conversation.conversation_key == psid)
                .values(last_inbound_at=moment)
            )

    async def manual_lead_changes(self, psid: str) -> list[tuple[str, str]]:
        """The customer's lead changes made by an agent: (field, new value), oldest first."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(LeadActivity.field, LeadActivity.new_value)
                .join(Customer, Customer.id == LeadActivity.customer_id)
                .where(
                    LeadActivity.tenant_id == self.tenant_id,
                    Customer.platform_user_id == psid,
                    LeadActivity.automated.is_(False),
                    LeadActivity.agent_id.is_not(None),
                )
                .order_by(LeadActivity.id)
            )
            return [(field, value) for field, value in rows.all()]

    async def conversation_status(self, psid: str) -> str | None:
        async with self.sessions() as session:
            found: str | None = await session.scalar(
                select(Conversation.status)
                .where(Conversation.tenant_id == self.tenant_id, Conversation.conversation_key == psid)
                .order_by(Conversation.id.desc())
                .limit(1)
            )
            return found


@pytest.fixture
async def site(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], box: CredentialBox, demo: DemoReport
) -> AsyncIterator[Site]:
    graph = FakeGraphAPI(pages={PAGE_ID: PAGE_TOKEN}, phone_numbers={PHONE_ID: WA_TOKEN})
    graph_url = await graph.start()
    settings = settings.model_copy(update={"graph_api_base": graph_url})
    meta_secrets = {"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}
    async with transaction(sessions) as session:
        tenant = await session.get(Tenant, demo.tenant_id)
        assert tenant is not None
        messenger = await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(
                platform="messenger",
                external_id=PAGE_ID,
                secrets={"access_token": PAGE_TOKEN, **meta_secrets},
            ),
        )
        whatsapp = await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(
                platform="whatsapp",
                external_id=PHONE_ID,
                secrets={"access_token": WA_TOKEN, **meta_secrets},
                # The approved template that may reach a customer after the 24-hour window.
                settings={"window_template": WINDOW_TEMPLATE},
            ),
        )
        keys = (messenger.webhook_key, whatsapp.webhook_key)
    site = Site(
        settings,
        await start_server(create_app(settings), "127.0.0.1", 0),
        graph,
        sessions,
        demo.tenant_id,
        *keys,
    )
    try:
        yield site
    finally:
        await site.runner.cleanup()
        await graph.close()


def sent_texts(graph: FakeGraphAPI, psid: str) -> list[dict[str, Any]]:
    """The texts that reached a Messenger customer at the fake Graph API: each accepted send's body."""
    return [body for body in graph.sent_to(psid) if "text" in body.get("message", {})]
