"""`/api/v1/channels`: a tenant admin connects, reads, changes and deletes channels; credentials are
write-only and the webhook URL is given once, when the channel is created (and a new one once, when its
key is rotated)."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.security import CredentialBox
from bot.tenancy.demo.seed import DemoReport
from storage.db import read_only
from storage.models import Channel
from tests.support.admin_api import AdminApi, Reply
from tests.support.shop import Chats

ACCESS_TOKEN = "EAAGm0PX4ZCpsBA-api-access-token-4242"
APP_SECRET = "0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d"
VERIFY_TOKEN = "api-verify-token-to-check"
NEW_TOKEN = "EAAGm0PX4ZCpsBA-api-replaced-token-7777"
SECRETS = (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, NEW_TOKEN)
MESSENGER = {
    "platform": "messenger",
    "name": "Demo Coffee page",
    "external_id": "104857600",
    "credentials": {"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN},
    "settings": {"app_id": "4242"},
}


def assert_no_secret(reply: Reply) -> None:
    text = json.dumps(reply.body)
    for secret in SECRETS:
        assert secret not in text


async def stored_secrets(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox, channel_id: int
) -> object:
    async with read_only(sessions) as session:
        channel = await session.get(Channel, channel_id)
        assert channel is not None
        return box.open(channel.credentials_encrypted)


async def test_an_admin_connects_reads_changes_and_deletes_a_channel(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> None:
    created = await admin.post("/channels", MESSENGER)
    assert created.status == 201, created.body
    channel = f"/channels/{created.body['id']}"
    assert created.body["webhook_url"].startswith("http")
    assert "/webhooks/messenger/" in created.body["webhook_url"]
    assert created.body["credentials_set"] == {"access_token": True, "app_secret": True, "verify_token": True}
    assert (created.body["external_id"], created.body["enabled"]) == ("104857600", True)
    assert created.body["settings"] == {"app_id": "4242"}
    assert_no_secret(created)

    read = await admin.get(channel)
    assert read.status == 200
    assert "webhook_url" not in read.body
    assert read.body["credentials_set"] == created.body["credentials_set"]
    assert read.etag == created.etag
    assert_no_secret(read)
    listed = await admin.get("/channels")
    assert created.body["id"] in [c["id"] for c in listed.body["items"]]
    assert created.body["webhook_url"] not in json.dumps(listed.body)
    assert_no_secret(listed)

    changed = await admin.patch(
        channel,
        {"name": "Night page", "enabled": False, "credentials": {"access_token": NEW_TOKEN}},
        headers={"If-Match": read.etag},
    )
    assert changed.status == 200, changed.body
    assert (changed.body["name"], changed.body["enabled"]) == ("Night page", False)
    assert changed.body["credentials_set"]["access_token"] is True
    assert_no_secret(changed)
    assert await stored_secrets(sessions, box, created.body["id"]) == {
        "access_token": NEW_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN
    }  # fmt: skip
    stale = await admin.patch(channel, {"name": "Lost"}, headers={"If-Match": read.etag})
    assert (stale.status, stale.error["field"]) == (412, "If-Match")

    gone = await admin.delete(channel, headers={"If-Match": changed.etag})
    assert gone.status == 204
    assert (await admin.get(channel)).status == 404


async def test_the_platforms_needs_are_refused_naming_the_field(admin: AdminApi) -> None:
    without_secret = {
        **MESSENGER,
        "credentials": {"access_token": ACCESS_TOKEN, "verify_token": VERIFY_TOKEN},
    }
    refusals = [
        (without_secret, "credentials.app_secret"),
        ({**MESSENGER, "external_id": None}, "external_id"),
        ({"platform": "groupme", "external_id": "gm-bot-1"}, "group_id"),
        ({"platform": "telegram", "external_id": "1"}, "platform"),
        ({**MESSENGER, "credentials": {"password": "x"}}, "credentials.password"),
        ({**MESSENGER, "settings": {"inbox_app_id": "not-a-number"}}, "settings.inbox_app_id"),
        ({"platform": "groupme", "external_id": "gm-1", "group_id": "g", "settings": {"answer_mode": "x"}},
         "settings.answer_mode"),
        ({**MESSENGER, "bot_id": 999999}, "bot_id"),
    ]  # fmt: skip
    for body, field in refusals:
        refused = await admin.post("/channels", body)
        assert (refused.status, refused.error["field"]) == (422, field), (field, refused.body)
        assert_no_secret(refused)
    assert all(c["platform"] == "console" for c in (await admin.get("/channels")).body["items"])

    created = await admin.post("/channels", MESSENGER)
    again = await admin.post("/channels", MESSENGER)
    assert (again.status, again.error["field"]) == (409, "external_id")
    removed = await admin.patch(f"/channels/{created.body['id']}", {"credentials": {"app_secret": None}})
    assert (removed.status, removed.error["field"]) == (422, "credentials.app_secret")
    assert (await admin.get(f"/channels/{created.body['id']}")).body["credentials_set"]["app_secret"] is True


async def test_a_channel_moves_only_to_one_of_the_tenants_bots(
    admin: AdminApi, other_admin: AdminApi
) -> None:
    created = await admin.post("/channels", MESSENGER)
    channel = f"/channels/{created.body['id']}"
    night = await admin.post("/bots", {"name": "Night shift"})
    theirs = await other_admin.post("/bots", {"name": "Theirs"})

    moved = await admin.patch(channel, {"bot_id": night.body["id"]})
    assert (moved.status, moved.body["bot_id"]) == (200, night.body["id"])
    refused = await admin.patch(channel, {"bot_id": theirs.body["id"]})
    assert (refused.status, refused.error["field"]) == (422, "bot_id")
    assert (await admin.get(channel)).body["bot_id"] == night.body["id"]


async def test_a_groupme_channel_needs_no_token_and_gets_its_answering_defaults(admin: AdminApi) -> None:
    created = await admin.post(
        "/channels", {"platform": "groupme", "external_id": "gm-bot-1", "group_id": "g-1"}
    )

    assert created.status == 201, created.body
    assert created.body["credentials_set"] == {"access_token": False}
    assert created.body["settings"]["answer_mode"] == "mention"
    assert "/webhooks/groupme/" in created.body["webhook_url"]


async def test_another_tenants_channels_are_not_found(admin: AdminApi, other_admin: AdminApi) -> None:
    mine = await admin.post("/channels", MESSENGER)
    path = f"/channels/{mine.body['id']}"

    assert (await other_admin.get(path)).status == 404
    assert (await other_admin.patch(path, {"credentials": {"access_token": "stolen"}})).status == 404
    assert (await other_admin.delete(path)).status == 404
    assert mine.body["id"] not in [c["id"] for c in (await other_admin.get("/channels")).body["items"]]
    assert (await admin.get(path)).body["name"] == MESSENGER["name"]


async def test_a_channel_with_conversations_is_disabled_not_deleted(
    admin: AdminApi, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    chats = await Chats.of(sessions, demo.tenant_id)
    await chats.conversation("ana")

    refused = await admin.delete(f"/channels/{chats.channel_id}")

    assert (refused.status, refused.error["code"], refused.error["field"]) == (
        409,
        "channel_has_history",
        "enabled",
    )
    assert (await admin.get(f"/channels/{chats.channel_id}")).status == 200


async def test_a_rotated_key_gives_a_new_url_once_and_honours_if_match(admin: AdminApi) -> None:
    created = await admin.post("/channels", MESSENGER)
    rotate = f"/channels/{created.body['id']}/rotate-webhook-key"

    stale = await admin.post(rotate, headers={"If-Match": '"not-the-current-version"'})
    assert (stale.status, stale.error["field"]) == (412, "If-Match")
    rotated = await admin.post(rotate, headers={"If-Match": created.etag})

    assert rotated.status == 200, rotated.body
    old_url, new_url = created.body["webhook_url"], rotated.body["webhook_url"]
    assert new_url.rpartition("/")[0] == old_url.rpartition("/")[0]  # the same server and platform
    assert new_url != old_url
    assert {k: v for k, v in rotated.body.items() if k != "webhook_url"} == {
        k: v for k, v in created.body.items() if k != "webhook_url"
    }
    assert_no_secret(rotated)
    read = await admin.get(f"/channels/{created.body['id']}")
    assert read.etag == rotated.etag != created.etag
    assert new_url not in json.dumps(read.body)
    assert new_url not in json.dumps((await admin.get("/channels")).body)
    again = await admin.post(rotate, headers={"If-Match": created.etag})
    assert again.status == 412
    assert (await admin.post(rotate)).body["webhook_url"] not in (old_url, new_url)


async def test_another_tenant_cannot_rotate_a_channels_key(
    admin: AdminApi, other_admin: AdminApi, sessions: async_sessionmaker[AsyncSession]
) -> None:
    mine = await admin.post("/channels", MESSENGER)

    refused = await other_admin.post(f"/channels/{mine.body['id']}/rotate-webhook-key")
    missing = await other_admin.post("/channels/999999/rotate-webhook-key")

    assert (
        (refused.status, refused.error["code"])
        == (missing.status, missing.error["code"])
        == (404, "not_found")
    )
    async with read_only(sessions) as session:
        channel = await session.get(Channel, mine.body["id"])
        assert channel is not None
        assert mine.body["webhook_url"].endswith("/" + channel.webhook_key)
