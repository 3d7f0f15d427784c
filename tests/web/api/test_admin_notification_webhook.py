"""`/api/v1/notification-webhook`: a tenant admin sets where notifications go, gets the signing secret
once, reads the setting without it, and removes it; the same settings as `chatbot tenant set --notify-url`."""

from __future__ import annotations

from typing import Any

from bot.security import body_signature
from tests.support.admin_api import AdminApi

PATH = "/notification-webhook"


async def signed_get(admin: AdminApi, secret: str) -> int:
    """A call signed with the tenant's secret instead of the API key (as a shop's checkout makes)."""
    headers = {"X-Chatbot-Tenant": "demo", "X-Chatbot-Signature": body_signature(secret, b"")}
    async with admin.client.get("/api/v1" + PATH, headers=headers) as response:
        return response.status


async def test_an_admin_sets_the_url_gets_the_secret_once_and_removes_both(admin: AdminApi) -> None:
    assert (await admin.get(PATH)).body == {"url": None, "signing_secret_set": False}

    first = await admin.put(PATH, {"url": " https://shop.example.com/hooks/chatbot "})
    assert first.status == 200, first.body
    secret = first.body["signing_secret"]
    assert secret.startswith("whsec_")
    assert first.body["url"] == "https://shop.example.com/hooks/chatbot"
    assert first.body["signing_secret_set"] is True

    read = await admin.get(PATH)
    assert read.body == {"url": "https://shop.example.com/hooks/chatbot", "signing_secret_set": True}
    assert secret not in str(read.body)
    assert await signed_get(admin, secret) == 200

    moved = await admin.put(PATH, {"url": "https://hooks.example.org/in"})
    assert (moved.body["url"], moved.body["signing_secret"]) == ("https://hooks.example.org/in", None)
    assert await signed_get(admin, secret) == 200  # the secret stays with a new URL

    assert (await admin.delete(PATH)).status == 204
    assert (await admin.get(PATH)).body == {"url": None, "signing_secret_set": False}
    assert await signed_get(admin, secret) == 401
    assert (await admin.delete(PATH)).status == 204  # nothing set is no error

    again = await admin.put(PATH, {"url": "https://shop.example.com/hooks/chatbot"})
    assert again.body["signing_secret"] not in (None, secret)


async def test_refusals_name_the_url_and_change_nothing(admin: AdminApi) -> None:
    await admin.put(PATH, {"url": "https://shop.example.com/hooks"})
    refused: list[Any] = [
        ({"url": "ftp://shop.example.com/hooks"}, "url"),
        ({"url": "https://user:pw@shop.example.com/hooks"}, "url"),
        ({"url": "https://shop.example.com/a b"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "https://x.example.com", "secret": "mine"}, "secret"),
        ({}, "url"),
    ]
    for body, field in refused:
        answer = await admin.put(PATH, body)
        assert (answer.status, answer.error["field"]) == (422, field), body

    assert (await admin.get(PATH)).body["url"] == "https://shop.example.com/hooks"


async def test_another_tenant_sees_and_changes_only_its_own(admin: AdminApi, other_admin: AdminApi) -> None:
    await admin.put(PATH, {"url": "https://shop.example.com/hooks"})

    assert (await other_admin.get(PATH)).body == {"url": None, "signing_secret_set": False}
    theirs = await other_admin.put(PATH, {"url": "https://other.example.net/in"})
    assert theirs.body["signing_secret"].startswith("whsec_")
    assert (await other_admin.delete(PATH)).status == 204

    assert (await admin.get(PATH)).body == {
        "url": "https://shop.example.com/hooks",
        "signing_secret_set": True,
    }
