"""The Graph API fake is as strict as Meta: every send rule it claims is checked here with plain httpx."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.fakes.graph import FakeGraphAPI

PAGE_ID = "1000000001"
PAGE_TOKEN = "page-token"
PHONE_ID = "3000000001"
WA_TOKEN = "wa-token"
PSID = "2000000001"
WA_ID = "15551234567"


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphAPI]:
    async with FakeGraphAPI(pages={PAGE_ID: PAGE_TOKEN}, phone_numbers={PHONE_ID: WA_TOKEN}) as fake:
        yield fake


@pytest.fixture
async def client(graph: FakeGraphAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=graph.base_url, timeout=5.0) as http:
        yield http


# -- request builders --------------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def to_page(client: httpx.AsyncClient, body: Any, token: str = PAGE_TOKEN) -> httpx.Response:
    return await client.post(f"/{PAGE_ID}/messages", json=body, headers=bearer(token))


async def to_phone(client: httpx.AsyncClient, body: Any, token: str = WA_TOKEN) -> httpx.Response:
    return await client.post(f"/{PHONE_ID}/messages", json=body, headers=bearer(token))


def page_text(text: str = "Hello", psid: Any = PSID, **fields: Any) -> dict[str, Any]:
    return {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {"text": text}, **fields}


def quick_replies(count: int, title: str = "Yes") -> list[dict[str, Any]]:
    return [{"content_type": "text", "title": title, "payload": f"CHOICE_{i}"} for i in range(count)]


def wa_text(body: str = "Hello", to: str = WA_ID, **fields: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": False, "body": body},
        **fields,
    }


def reply_button(button_id: str, title: str) -> dict[str, Any]:
    return {"type": "reply", "reply": {"id": button_id, "title": title}}


def wa_buttons(buttons: list[dict[str, Any]], text: str = "Pick one") -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": WA_ID,
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": text}, "action": {"buttons": buttons}},
    }


def list_rows(count: int, prefix: str = "row") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}-{i}", "title": f"Option {i}"} for i in range(count)]


def wa_list(sections: list[dict[str, Any]], button: str = "Choose") -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": WA_ID,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "What do you need?"},
            "action": {"button": button, "sections": sections},
        },
    }


def wa_template(name: Any = "order_update", code: Any = "en_US") -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": WA_ID,
        "type": "template",
        "template": {"name": name, "language": {"code": code}},
    }


def refusal(
    response: httpx.Response, code: int, *, status: int = 400, naming: str | None = None
) -> dict[str, Any]:
    """Assert Graph's error envelope with this code (and a message naming a field); return the error."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["type"] == "OAuthException"
    assert error["fbtrace_id"]
    if naming is not None:
        assert naming in error["message"], error["message"]
    return dict(error)


# -- server, routing and authentication ----------------------------------------------------------------


async def test_start_returns_the_versioned_base_url_and_close_stops_listening() -> None:
    fake = FakeGraphAPI(pages={PAGE_ID: PAGE_TOKEN}, version="v25.0")
    base_url = await fake.start()
    assert base_url.startswith("http://127.0.0.1:")
    assert base_url.endswith("/v25.0")
    async with httpx.AsyncClient(base_url=base_url) as http:
        assert (await to_page(http, page_text())).status_code == 200
        await fake.close()
        with pytest.raises(httpx.ConnectError):
            await to_page(http, page_text())


async def test_a_bearer_token_of_the_page_is_accepted(graph: FakeGraphAPI, client: httpx.AsyncClient) -> None:
    response = await to_page(client, page_text("Hi there"))

    assert response.status_code == 200
    assert response.json() == {"recipient_id": PSID, "message_id": "m_1"}
    assert graph.sent == [page_text("Hi there")]


async def test_an_access_token_query_parameter_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/{PAGE_ID}/messages", params={"access_token": PAGE_TOKEN}, json=page_text()
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param(bearer("stolen"), id="unknown-token"),
        pytest.param(bearer(WA_TOKEN), id="another-nodes-token"),
        pytest.param({"Authorization": PAGE_TOKEN}, id="no-bearer-scheme"),
    ],
)
async def test_a_missing_or_wrong_token_is_refused_with_190(
    graph: FakeGraphAPI, client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post(f"/{PAGE_ID}/messages", json=page_text(), headers=headers)

    error = refusal(response, 190)
    assert error["message"] == "Invalid OAuth access token."
    assert graph.sent == []


async def test_me_resolves_to_the_page_owning_the_token(client: httpx.AsyncClient) -> None:
    assert (
        await client.post("/me/messages", json=page_text(), headers=bearer(PAGE_TOKEN))
    ).status_code == 200
    refusal(await client.post("/me/messages", json=page_text(), headers=bearer(WA_TOKEN)), 190)


async def test_an_unknown_node_is_an_unsupported_post_request(client: httpx.AsyncClient) -> None:
    response = await client.post("/9999999999/messages", json=page_text(), headers=bearer(PAGE_TOKEN))

    refusal(response, 100, naming="Unsupported post request")


async def test_a_wrong_version_or_path_is_not_found(graph: FakeGraphAPI) -> None:
    root = graph.base_url.removesuffix("/v25.0")
    async with httpx.AsyncClient() as http:
        old_version = await http.post(
            f"{root}/v24.0/{PAGE_ID}/messages", json=page_text(), headers=bearer(PAGE_TOKEN)
        )
        other_edge = await http.post(f"{graph.base_url}/{PAGE_ID}/feed", json={}, headers=bearer(PAGE_TOKEN))

    assert old_version.status_code == 404
    assert other_edge.status_code == 404
    assert graph.sent == []


async def test_a_body_that_is_not_json_is_refused(graph: FakeGraphAPI, client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/{PAGE_ID}/messages", content=b"recipient=1&message=hi", headers=bearer(PAGE_TOKEN)
    )

    refusal(response, 100)
    assert graph.requests[-1].json is None


async def test_every_request_is_recorded_accepted_or_not(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    await to_page(client, page_text())
    await client.post(f"/{PAGE_ID}/messages", params={"access_token": "stolen"}, json={"x": 1})

    first, second = graph.requests
    assert (first.method, first.path, first.json, first.query) == (
        "POST",
        f"/v25.0/{PAGE_ID}/messages",
        page_text(),
        {},
    )
    assert first.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert second.query == {"access_token": "stolen"}
    assert second.json == {"x": 1}
    assert len(graph.sent) == 1


# -- Messenger sends ------------------------------------------------------------------------------------


async def test_message_ids_count_up_and_sent_to_lists_bodies_in_order(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    ids = [(await to_page(client, page_text(text))).json()["message_id"] for text in ("one", "two")]
    await to_page(client, page_text("elsewhere", psid="2000000002"))

    assert ids == ["m_1", "m_2"]
    assert [body["message"]["text"] for body in graph.sent_to(PSID)] == ["one", "two"]
    assert len(graph.sent_to("2000000002")) == 1


@pytest.mark.parametrize("action", ["typing_on", "typing_off", "mark_seen"])
async def test_a_sender_action_is_accepted_and_kept_apart_from_messages(
    graph: FakeGraphAPI, client: httpx.AsyncClient, action: str
) -> None:
    body = {"recipient": {"id": PSID}, "sender_action": action}

    response = await to_page(client, body)

    assert response.status_code == 200
    assert response.json() == {"recipient_id": PSID}
    assert graph.actions == [body]
    assert graph.sent == []


async def test_a_sender_action_with_a_message_is_refused(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    response = await to_page(client, {**page_text(), "sender_action": "typing_on"})

    refusal(response, 100, naming="sender_action")
    assert graph.actions == []
    assert graph.sent == []


async def test_an_unknown_sender_action_is_refused(client: httpx.AsyncClient) -> None:
    response = await to_page(client, {"recipient": {"id": PSID}, "sender_action": "typing"})

    refusal(response, 100, naming="sender_action")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {"messaging_type": "RESPONSE", "message": {"text": "hi"}}, "recipient", id="no-recipient"
        ),
        pytest.param(page_text(psid=None), "recipient[id]", id="no-recipient-id"),
        pytest.param(page_text(psid=2000000001), "recipient[id]", id="numeric-recipient-id"),
        pytest.param({"recipient": {"id": PSID}, "message": {"text": "hi"}}, "messaging_type", id="no-type"),
        pytest.param(page_text(messaging_type="NON_PROMOTIONAL"), "messaging_type", id="unknown-type"),
        pytest.param(page_text(messaging_type="MESSAGE_TAG"), "tag", id="tag-missing"),
        pytest.param(page_text(messaging_type="MESSAGE_TAG", tag="PROMO"), "tag", id="unknown-tag"),
        pytest.param(page_text(tag="HUMAN_AGENT"), "tag", id="tag-without-message-tag"),
        pytest.param({"recipient": {"id": PSID}, "messaging_type": "RESPONSE"}, "message", id="no-message"),
        pytest.param(page_text(""), "message[text]", id="empty-text"),
        pytest.param(page_text("x" * 2001), "message[text]", id="text-over-2000"),
        pytest.param(page_text(message={}), "message", id="neither-text-nor-attachment"),
        pytest.param(
            page_text(
                message={"text": "hi", "attachment": {"type": "image", "payload": {"url": "https://x"}}}
            ),
            "message",
            id="text-and-attachment",
        ),
        pytest.param(
            page_text(message={"attachment": {"type": "sticker", "payload": {}}}),
            "message[attachment][type]",
            id="unknown-attachment-type",
        ),
        pytest.param(
            page_text(
                message={
                    "attachment": {
                        "type": "template",
                        "payload": {"template_type": "button", "text": "Pick", "buttons": [{}] * 4},
                    }
                }
            ),
            "message[attachment][payload][buttons]",
            id="button-template-with-4-buttons",
        ),
        pytest.param(
            page_text(message={"text": "Pick", "quick_replies": quick_replies(14)}),
            "message[quick_replies]",
            id="14-quick-replies",
        ),
        pytest.param(
            page_text(message={"text": "Pick", "quick_replies": quick_replies(1, title="x" * 21)}),
            "message[quick_replies][0][title]",
            id="quick-reply-title-over-20",
        ),
        pytest.param(
            page_text(
                message={
                    "text": "Pick",
                    "quick_replies": [{"content_type": "text", "title": "Y", "payload": "p" * 1001}],
                }
            ),
            "message[quick_replies][0][payload]",
            id="quick-reply-payload-over-1000",
        ),
        pytest.param(
            page_text(message={"text": "Pick", "quick_replies": [{"content_type": "location"}]}),
            "message[quick_replies][0][content_type]",
            id="quick-reply-unknown-content-type",
        ),
        pytest.param(
            page_text(message={"text": "Pick", "quick_replies": [{"content_type": "text", "payload": "Y"}]}),
            "message[quick_replies][0][title]",
            id="quick-reply-without-title",
        ),
    ],
)
async def test_a_malformed_messenger_send_is_refused_naming_the_field(
    graph: FakeGraphAPI, client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await to_page(client, body)

    error = refusal(response, 100, naming=f"Param {field} ")
    assert error["message"].startswith("(#100) ")
    assert graph.sent == []


async def test_text_of_exactly_2000_characters_is_accepted(client: httpx.AsyncClient) -> None:
    assert (await to_page(client, page_text("x" * 2000))).status_code == 200


async def test_the_text_limit_names_the_field_as_graph_does(client: httpx.AsyncClient) -> None:
    error = refusal(await to_page(client, page_text("x" * 2001)), 100)

    assert error["message"] == "(#100) Param message[text] must be at most 2000 characters"


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(
            {"text": "Pick", "quick_replies": quick_replies(13, title="x" * 20)}, id="13-replies-20-chars"
        ),
        pytest.param(
            {"text": "Phone?", "quick_replies": [{"content_type": "user_phone_number"}]},
            id="user-phone-number",
        ),
        pytest.param({"text": "Email?", "quick_replies": [{"content_type": "user_email"}]}, id="user-email"),
        pytest.param({"attachment": {"type": "image", "payload": {"url": "https://x/a.png"}}}, id="image"),
        pytest.param(
            {
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "button", "text": "x" * 640, "buttons": [{}] * 3},
                }
            },
            id="button-template",
        ),
    ],
)
async def test_a_well_formed_messenger_message_is_accepted(
    graph: FakeGraphAPI, client: httpx.AsyncClient, message: dict[str, Any]
) -> None:
    response = await to_page(client, page_text(message=message))

    assert response.status_code == 200, response.text
    assert graph.sent_to(PSID) == [page_text(message=message)]


@pytest.mark.parametrize(
    "tag", ["HUMAN_AGENT", "ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE"]
)
async def test_every_allowed_message_tag_is_accepted(client: httpx.AsyncClient, tag: str) -> None:
    response = await to_page(client, page_text(messaging_type="MESSAGE_TAG", tag=tag))

    assert response.status_code == 200, response.text


# -- Messenger messaging window --------------------------------------------------------------------------


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@pytest.mark.parametrize("messaging_type", ["RESPONSE", "UPDATE"])
async def test_a_standard_message_after_24_hours_is_outside_the_window(
    graph: FakeGraphAPI, client: httpx.AsyncClient, messaging_type: str
) -> None:
    graph.last_user_message[PSID] = ago(hours=24, minutes=1)

    response = await to_page(client, page_text(messaging_type=messaging_type))

    error = refusal(response, 10)
    assert error["error_subcode"] == 2018278
    assert "outside of allowed window" in error["message"]
    assert graph.sent == []


async def test_a_standard_message_within_24_hours_is_delivered(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    graph.last_user_message[PSID] = ago(hours=23, minutes=59)

    assert (await to_page(client, page_text())).status_code == 200


async def test_without_a_known_last_message_there_is_no_window(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    graph.last_user_message["someone-else"] = ago(days=30)

    assert (await to_page(client, page_text())).status_code == 200


async def test_human_agent_reaches_a_user_for_7_days_and_no_longer(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    human_reply = page_text(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")

    graph.last_user_message[PSID] = ago(days=6, hours=23)
    assert (await to_page(client, human_reply)).status_code == 200

    graph.last_user_message[PSID] = ago(days=7, minutes=1)
    assert refusal(await to_page(client, human_reply), 10)["error_subcode"] == 2018278


# -- WhatsApp sends --------------------------------------------------------------------------------------


async def test_a_whatsapp_text_gets_the_cloud_api_answer_with_counting_ids(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    first = await to_phone(client, wa_text("Hello"))
    second = await to_phone(client, wa_text("Again"))

    assert first.status_code == 200
    assert first.json() == {
        "messaging_product": "whatsapp",
        "contacts": [{"input": WA_ID, "wa_id": WA_ID}],
        "messages": [{"id": "wamid.1"}],
    }
    assert second.json()["messages"] == [{"id": "wamid.2"}]
    assert [body["text"]["body"] for body in graph.sent_to(WA_ID)] == ["Hello", "Again"]


async def test_a_page_token_does_not_open_a_phone_number(client: httpx.AsyncClient) -> None:
    refusal(await to_phone(client, wa_text(), token=PAGE_TOKEN), 190)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(wa_text("x" * 4096), id="text-of-4096"),
        pytest.param(wa_text(context={"message_id": "wamid.PREV"}), id="reply-with-context"),
        pytest.param(wa_buttons([reply_button(f"b{i}", "x" * 20) for i in range(3)]), id="three-buttons"),
        pytest.param(wa_list([{"title": "All", "rows": list_rows(10)}]), id="list-of-10-rows"),
        pytest.param(
            wa_list([{"title": "A", "rows": list_rows(5, "a")}, {"title": "B", "rows": list_rows(5, "b")}]),
            id="list-of-two-sections",
        ),
        pytest.param(wa_template(), id="template"),
    ],
)
async def test_a_well_formed_whatsapp_message_is_accepted(
    graph: FakeGraphAPI, client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await to_phone(client, body)

    assert response.status_code == 200, response.text
    assert graph.sent == [body]


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        pytest.param(without(wa_text(), "messaging_product"), 100, "messaging_product", id="no-product"),
        pytest.param(wa_text(messaging_product="messenger"), 131009, "messaging_product", id="wrong-product"),
        pytest.param(without(wa_text(), "to"), 100, "to", id="no-to"),
        pytest.param(without(wa_text(), "type"), 100, "type", id="no-type"),
        pytest.param(wa_text(type="image"), 131009, "type", id="unsupported-type"),
        pytest.param(without(wa_text(), "text"), 100, "text", id="no-text-object"),
        pytest.param(wa_text(""), 131009, "text[body]", id="empty-body"),
        pytest.param(wa_text("x" * 4097), 131009, "text[body]", id="body-over-4096"),
        pytest.param(
            wa_text(text={"body": "hi", "preview_url": "yes"}), 100, "text[preview_url]", id="preview-url"
        ),
        pytest.param(wa_text(context={"id": "wamid.PREV"}), 100, "context[message_id]", id="context-no-id"),
        pytest.param(wa_buttons([]), 131009, "interactive[action][buttons]", id="no-buttons"),
        pytest.param(
            wa_buttons([reply_button(f"b{i}", "Yes") for i in range(4)]),
            131009,
            "interactive[action][buttons]",
            id="four-buttons",
        ),
        pytest.param(
            wa_buttons([reply_button("b0", "x" * 21)]),
            131009,
            "interactive[action][buttons][0][reply][title]",
            id="button-title-over-20",
        ),
        pytest.param(
            wa_buttons([reply_button("b0", "")]),
            131009,
            "interactive[action][buttons][0][reply][title]",
            id="button-title-empty",
        ),
        pytest.param(
            wa_buttons([reply_button("b" * 257, "Yes")]),
            131009,
            "interactive[action][buttons][0][reply][id]",
            id="button-id-over-256",
        ),
        pytest.param(
            wa_buttons([reply_button("same", "Yes"), reply_button("same", "No")]),
            131009,
            "interactive[action][buttons][1][reply][id]",
            id="duplicate-button-ids",
        ),
        pytest.param(
            wa_buttons([{"type": "url", "reply": {"id": "b0", "title": "Go"}}]),
            131009,
            "interactive[action][buttons][0][type]",
            id="button-not-reply",
        ),
        pytest.param(
            wa_buttons([reply_button("b0", "Yes")], text="x" * 1025),
            131009,
            "interactive[body][text]",
            id="button-body-over-1024",
        ),
        pytest.param(
            {**wa_buttons([reply_button("b0", "Yes")]), "interactive": {"type": "carousel"}},
            131009,
            "interactive[type]",
            id="unknown-interactive-type",
        ),
        pytest.param(
            wa_list([{"rows": list_rows(1)}], button="x" * 21),
            131009,
            "interactive[action][button]",
            id="list-button-over-20",
        ),
        pytest.param(wa_list([]), 131009, "interactive[action][sections]", id="no-sections"),
        pytest.param(
            wa_list([{"rows": list_rows(1, f"s{i}")} for i in range(11)]),
            131009,
            "interactive[action][sections]",
            id="eleven-sections",
        ),
        pytest.param(
            wa_list([{"rows": list_rows(6, "a")}, {"rows": list_rows(5, "b")}]),
            131009,
            "interactive[action][sections]",
            id="eleven-rows-in-all",
        ),
        pytest.param(
            wa_list([{"rows": []}]),
            131009,
            "interactive[action][sections][0][rows]",
            id="section-without-rows",
        ),
        pytest.param(
            wa_list([{"rows": [{"id": "r" * 201, "title": "One"}]}]),
            131009,
            "interactive[action][sections][0][rows][0][id]",
            id="row-id-over-200",
        ),
        pytest.param(
            wa_list([{"rows": [{"id": "r1", "title": "x" * 25}]}]),
            131009,
            "interactive[action][sections][0][rows][0][title]",
            id="row-title-over-24",
        ),
        pytest.param(wa_template(name=None), 100, "template[name]", id="template-no-name"),
        pytest.param(wa_template(code=None), 100, "template[language][code]", id="template-no-language-code"),
    ],
)
async def test_a_malformed_whatsapp_send_is_refused_naming_the_field(
    graph: FakeGraphAPI, client: httpx.AsyncClient, body: dict[str, Any], code: int, field: str
) -> None:
    response = await to_phone(client, body)

    error = refusal(response, code, naming=f"Param {field} ")
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert field in error["error_data"]["details"]
    assert graph.sent == []


async def test_the_4096_limit_is_131009_parameter_value_is_not_valid(client: httpx.AsyncClient) -> None:
    error = refusal(await to_phone(client, wa_text("x" * 4097)), 131009)

    assert error["message"].startswith("(#131009) Parameter value is not valid")


# -- WhatsApp mark-as-read -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [pytest.param({}, id="read"), pytest.param({"typing_indicator": {"type": "text"}}, id="read-and-typing")],
)
async def test_mark_as_read_answers_success_and_is_kept_apart_from_messages(
    graph: FakeGraphAPI, client: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    body = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1", **extra}

    response = await to_phone(client, body)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert graph.actions == [body]
    assert graph.sent == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"messaging_product": "whatsapp", "status": "read"}, "message_id", id="no-message-id"),
        pytest.param(
            {"messaging_product": "whatsapp", "status": "delivered", "message_id": "wamid.IN1"},
            "status",
            id="not-read",
        ),
        pytest.param(
            {
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": "wamid.IN1",
                "typing_indicator": {"type": "audio"},
            },
            "typing_indicator[type]",
            id="unknown-typing-indicator",
        ),
        pytest.param({"status": "read", "message_id": "wamid.IN1"}, "messaging_product", id="no-product"),
    ],
)
async def test_a_malformed_mark_as_read_is_refused(
    graph: FakeGraphAPI, client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await to_phone(client, body)

    assert response.status_code == 400
    assert f"Param {field} " in response.json()["error"]["message"]
    assert graph.actions == []


# -- WhatsApp customer service window -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(wa_text(), id="text"),
        pytest.param(wa_buttons([reply_button("b0", "Yes")]), id="buttons"),
    ],
)
async def test_a_free_form_message_after_24_hours_needs_re_engagement(
    graph: FakeGraphAPI, client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    graph.last_user_message[WA_ID] = ago(hours=24, minutes=1)

    error = refusal(await to_phone(client, body), 131047)

    assert "Re-engagement message" in error["message"]
    assert graph.sent == []


async def test_a_template_passes_outside_the_window_and_text_passes_inside(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    graph.last_user_message[WA_ID] = ago(days=3)
    assert (await to_phone(client, wa_template())).status_code == 200

    graph.last_user_message[WA_ID] = ago(hours=23, minutes=59)
    assert (await to_phone(client, wa_text())).status_code == 200


# -- scripted failures and delays ------------------------------------------------------------------------


async def test_a_scripted_rate_limit_carries_retry_after_then_sends_resume(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    graph.fail_next(
        code=613, retry_after=30, message="(#613) Calls to this API have exceeded the rate limit."
    )

    limited = await to_page(client, page_text("first try"))
    retried = await to_page(client, page_text("second try"))

    error = refusal(limited, 613)
    assert error["message"] == "(#613) Calls to this API have exceeded the rate limit."
    assert "error_subcode" not in error
    assert limited.headers["Retry-After"] == "30"
    assert retried.status_code == 200
    assert [body["message"]["text"] for body in graph.sent] == ["second try"]


async def test_a_scripted_failure_repeats_times_and_carries_a_subcode(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    graph.fail_next(code=4, subcode=2018022, times=2)

    responses = [await to_page(client, page_text(str(i))) for i in range(3)]

    assert [refusal(r, 4)["error_subcode"] for r in responses[:2]] == [2018022, 2018022]
    assert "Retry-After" not in responses[0].headers
    assert responses[2].status_code == 200


async def test_a_scripted_503_without_a_code_is_an_unexpected_error(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    graph.fail_next(http_status=503)

    error = refusal(await to_phone(client, wa_text()), 2, status=503)

    assert "unexpected error" in error["message"]
    assert (await to_phone(client, wa_text())).status_code == 200


async def test_a_scripted_failure_comes_before_the_token_check(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    graph.fail_next(code=1200, http_status=500)

    refusal(await to_page(client, page_text(), token="stolen"), 1200, status=500)
    refusal(await to_page(client, page_text(), token="stolen"), 190)


async def test_sender_actions_and_mark_as_read_skip_scripted_failures(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    graph.fail_next(code=2, http_status=500)

    typing = await to_page(client, {"recipient": {"id": PSID}, "sender_action": "typing_on"})
    read = await to_phone(
        client, {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1"}
    )
    message = await to_page(client, page_text())

    assert (typing.status_code, read.status_code) == (200, 200)
    refusal(message, 2, status=500)


async def test_a_delayed_answer_times_a_client_out_but_the_send_still_lands(
    graph: FakeGraphAPI, client: httpx.AsyncClient
) -> None:
    graph.delay_next(0.5)

    with pytest.raises(httpx.ReadTimeout):
        await client.post(
            f"/{PAGE_ID}/messages", json=page_text("slow"), headers=bearer(PAGE_TOKEN), timeout=0.05
        )
    prompt = await to_page(client, page_text("prompt"))

    assert prompt.status_code == 200
    assert [request.json["message"]["text"] for request in graph.requests] == ["slow", "prompt"]
    for _ in range(100):
        if len(graph.sent) == 2:
            break
        await asyncio.sleep(0.02)
    assert [body["message"]["text"] for body in graph.sent] == ["prompt", "slow"]


async def test_closing_does_not_wait_for_a_pending_delay() -> None:
    fake = FakeGraphAPI(pages={PAGE_ID: PAGE_TOKEN})
    base_url = await fake.start()
    fake.delay_next(60)
    async with httpx.AsyncClient(base_url=base_url) as http:
        pending = asyncio.create_task(to_page(http, page_text()))
        for _ in range(100):
            if fake.requests:
                break
            await asyncio.sleep(0.01)
        await asyncio.wait_for(fake.close(), timeout=5)
        await asyncio.wait_for(asyncio.gather(pending, return_exceptions=True), timeout=5)
    assert len(fake.requests) == 1
