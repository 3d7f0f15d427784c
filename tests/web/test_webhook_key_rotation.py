"""A leaked webhook URL is replaced: after the key's rotation (admin API or `chatbot channel rotate-key`)
the old URL is answered as an unknown key and stores nothing, and the new URL is accepted, at once.

Through the real app, with the fake platforms of tests/support/platforms.py, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.config import Settings
from bot.tenancy.demo.seed import DemoReport
from storage.models import InboundEvent
from tests.support.admin_api import AdminApi
from tests.support.cli_workspace import Workspace
from tests.support.platforms import GROUPME_BOT, PAGE_ID, VERIFY_TOKEN, World, payload
from tests.web.test_webhooks import messenger_event

NEW_URL = re.compile(r"^webhook URL: (\S+)$", re.MULTILINE)


async def stored_events(world: World) -> int:
    async with world.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundEvent)) or 0)


async def channel_id(admin: AdminApi, external_id: str) -> int:
    listed = await admin.get("/channels")
    (found,) = [c["id"] for c in listed.body["items"] if c["external_id"] == external_id]
    return int(found)


def key_of(url: str, platform: str) -> str:
    base, _, key = url.rpartition("/")
    assert base.endswith(f"/webhooks/{platform}")
    return key


async def handshake(world: World, key: str) -> Any:
    return await world.client.get(
        f"/webhooks/messenger/{key}",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "424242"},
    )


async def test_after_rotation_through_the_api_the_old_url_is_refused_and_the_new_one_accepted(
    world: World, demo: DemoReport
) -> None:
    admin = AdminApi(world.client, str(demo.api_key))
    old_key = world.keys["messenger"]
    assert (
        await world.post("messenger", messenger_event({"message": {"mid": "m_before", "text": "hi"}}))
    ).status == 200
    messenger = await channel_id(admin, PAGE_ID)

    rotated = await admin.post(f"/channels/{messenger}/rotate-webhook-key")

    assert rotated.status == 200, rotated.body
    new_key = key_of(rotated.body["webhook_url"], "messenger")
    assert new_key != old_key
    assert (rotated.body["id"], rotated.body["external_id"]) == (messenger, PAGE_ID)
    stored = await stored_events(world)
    for request in (
        world.post(
            "messenger", messenger_event({"message": {"mid": "m_old_url", "text": "hi"}}), key=old_key
        ),
        handshake(world, old_key),
    ):
        refused = await request
        assert refused.status == 404
        assert (await refused.json())["error"]["message"] == "no such channel"  # as for any unknown key
    assert await stored_events(world) == stored

    accepted = await world.post(
        "messenger", messenger_event({"message": {"mid": "m_new_url", "text": "hi"}}), key=new_key
    )
    assert accepted.status == 200
    assert await accepted.json() == {"received": 1, "new": 1}
    assert await (await handshake(world, new_key)).text() == "424242"
    await world.settled()
    # The new URL is shown in the rotating answer only (tests/web/test_log_privacy.py: and in no log line).
    read = await admin.get(f"/channels/{messenger}")
    assert "webhook_url" not in read.body


async def test_after_rotation_from_the_command_line_the_old_url_is_refused_and_the_new_one_accepted(
    world: World, demo: DemoReport, settings: Settings, secret_key: str, tmp_path: Path
) -> None:
    admin = AdminApi(world.client, str(demo.api_key))
    old_key = world.keys["groupme"]
    groupme = await channel_id(admin, GROUPME_BOT)
    workspace = Workspace(tmp_path, tmp_path / "unused.db")

    # In a thread, so that the server under test keeps answering meanwhile.
    done = await asyncio.to_thread(
        workspace.run,
        "channel", "rotate-key", "--tenant", "demo", "--channel", str(groupme),
        CHATBOT_DATABASE_URL=settings.effective_database_url,
        CHATBOT_SECRET_KEY=secret_key,
    )  # fmt: skip

    assert done.code == 0, done.err
    (url,) = NEW_URL.findall(done.out)
    new_key = key_of(url, "groupme")
    assert new_key != old_key
    assert old_key not in done.out + done.err
    stored = await stored_events(world)
    refused = await world.post("groupme", payload("groupme", "user_text.json"), key=old_key)
    assert refused.status == 404
    assert await stored_events(world) == stored
    accepted = await world.post("groupme", payload("groupme", "user_text.json"), key=new_key)
    assert accepted.status == 200
    assert (await accepted.json())["new"] == 1
    await world.settled()
