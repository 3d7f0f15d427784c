"""Messenger adapter: recorded webhook bodies become exact items; sends hit a fake Graph API endpoint."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from adapters.base import (
    Attachment,
    ChannelRef,
    HandshakeRejected,
    Inbound,
    InboundItem,
    MalformedRequest,
    Outbound,
    PermanentSendFailure,
    Platform,
    Referral,
    RetryableSendFailure,
    SendFailed,
    SendResult,
    SignatureMismatch,
    StatusUpdate,
    ThreadHandover,
    Unhandled,
)
from adapters.messenger import MessengerAdapter
from adapters.meta import sign

PAYLOADS = Path(__file__).parent.parent / "payloads" / "messenger"
PAGE = "1000000001"
CHANNEL = ChannelRef(external_id=PAGE)
API_BASE = "https://graph.facebook.com/v25.0"
TOKEN = "EAAG-page-token-not-for-urls"
CREDENTIALS = {"access_token": TOKEN, "app_secret": "app-secret-1", "verify_token": "verify-me"}
M = Platform.MESSENGER


def load(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def utc(hour: int, minute: int, second: int, millisecond: int) -> datetime:
    """A moment on 2024-06-10 (UTC), the day every fixture was recorded."""
    return datetime(2024, 6, 10, hour, minute, second, millisecond * 1000, tzinfo=UTC)


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected request to {request.url}")


# Parsing and verifying never touch the network; this instance fails the test if they try.
OFFLINE = MessengerAdapter(httpx.AsyncClient(transport=httpx.MockTransport(_no_network)), API_BASE)


def parse(body: bytes, channel: ChannelRef = CHANNEL) -> list[InboundItem]:
    return OFFLINE.parse(body, channel)


# -- parse: every fixture becomes exactly these items --------------------------------------------------

EXPECTED: dict[str, list[InboundItem]] = {
    "text.json": [
        Inbound(
            platform=M,
            event_id="m_text_0001",
            conversation_key="2000000001",
            sender_id="2000000001",
            sent_at=utc(6, 13, 20, 400),
            kind="text",
            text="Hi, are you open on Sunday?",
            platform_message_id="m_text_0001",
        )
    ],
    "quick_reply.json": [
        Inbound(
            platform=M,
            event_id="m_qr_0001",
            conversation_key="2000000001",
            sender_id="2000000001",
            sent_at=utc(6, 13, 20, 400),
            kind="quick_reply",
            text="Red",
            payload="COLOR_RED",
            platform_message_id="m_qr_0001",
        )
    ],
    "reply_to.json": [
        Inbound(
            platform=M,
            event_id="m_reply_0001",
            conversation_key="2000000002",
            sender_id="2000000002",
            sent_at=utc(6, 15, 0, 250),
            kind="text",
            text="Yes, that one please",
            platform_message_id="m_reply_0001",
            reply_to="m_earlier_0001",
        )
    ],
    "attachments.json": [
        Inbound(
            platform=M,
            event_id="m_att_0001",
            conversation_key="2000000003",
            sender_id="2000000003",
            sent_at=utc(6, 16, 40, 777),
            kind="attachment",
            text=None,
            platform_message_id="m_att_0001",
            attachments=(
                Attachment(
                    kind="image", url="https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg?_nc_cat=1"
                ),
                Attachment(kind="file", url="https://cdn.fbsbx.com/v/t59.2708-21/invoice.pdf?_nc_cat=2"),
            ),
        )
    ],
    "postback.json": [
        Inbound(
            platform=M,
            event_id="postback:2000000001:1718000300555",
            conversation_key="2000000001",
            sender_id="2000000001",
            sent_at=utc(6, 18, 20, 555),
            kind="postback",
            text="Get Started",
            payload="GET_STARTED",
        )
    ],
    "postback_with_referral.json": [
        Inbound(
            platform=M,
            event_id="m_pb_0001",
            conversation_key="2000000004",
            sender_id="2000000004",
            sent_at=utc(6, 20, 0, 50),
            kind="postback",
            text="Get Started",
            payload="GET_STARTED",
            platform_message_id="m_pb_0001",
            referral=Referral(source="referral", ref="summer_sale", source_type="SHORTLINK"),
        )
    ],
    "referral_ad.json": [
        Inbound(
            platform=M,
            event_id="referral:2000000005:1718000500001",
            conversation_key="2000000005",
            sender_id="2000000005",
            sent_at=utc(6, 21, 40, 1),
            kind="referral",
            text=None,
            referral=Referral(
                source="ad",
                ref="ad_campaign_7",
                ad_id="6045246247433",
                post_id="1000000001_3000000009",
                headline="Free delivery this week",
                source_type="ADS",
                context={
                    "ad_title": "Free delivery this week",
                    "photo_url": "https://scontent.xx.fbcdn.net/v/ad-photo.jpg",
                    "post_id": "1000000001_3000000009",
                },
            ),
        )
    ],
    "referral_shortlink.json": [
        Inbound(
            platform=M,
            event_id="referral:2000000006:1718000600000",
            conversation_key="2000000006",
            sender_id="2000000006",
            sent_at=utc(6, 23, 20, 0),
            kind="referral",
            referral=Referral(source="referral", ref="qr_table_12", source_type="SHORTLINK"),
        )
    ],
    "echo.json": [
        Inbound(
            platform=M,
            event_id="m_echo_0001",
            conversation_key="2000000001",
            sender_id=PAGE,
            sent_at=utc(6, 25, 0, 200),
            kind="text",
            text="A colleague will call you back today.",
            platform_message_id="m_echo_0001",
            is_echo=True,
            echo_app_id="263902037430900",
        )
    ],
    "delivery.json": [
        StatusUpdate(
            platform=M,
            event_id="delivered:m_out_0001",
            conversation_key="2000000001",
            status="delivered",
            occurred_at=utc(6, 26, 40, 850),
            platform_message_id="m_out_0001",
        ),
        StatusUpdate(
            platform=M,
            event_id="delivered:m_out_0002",
            conversation_key="2000000001",
            status="delivered",
            occurred_at=utc(6, 26, 40, 850),
            platform_message_id="m_out_0002",
        ),
        StatusUpdate(
            platform=M,
            event_id="delivered:2000000001:1718000800123",
            conversation_key="2000000001",
            status="delivered",
            occurred_at=utc(6, 26, 40, 850),
            watermark=utc(6, 26, 40, 123),
        ),
    ],
    "delivery_watermark_only.json": [
        StatusUpdate(
            platform=M,
            event_id="delivered:2000000001:1718000900456",
            conversation_key="2000000001",
            status="delivered",
            occurred_at=utc(6, 28, 20, 850),
            watermark=utc(6, 28, 20, 456),
        )
    ],
    "read.json": [
        StatusUpdate(
            platform=M,
            event_id="read:2000000001:1718001000789",
            conversation_key="2000000001",
            status="read",
            occurred_at=utc(6, 30, 0, 850),
            watermark=utc(6, 30, 0, 789),
        )
    ],
    "standby.json": [
        Inbound(
            platform=M,
            event_id="m_standby_0001",
            conversation_key="2000000007",
            sender_id="2000000007",
            sent_at=utc(6, 31, 40, 800),
            kind="text",
            text="Still waiting for an answer from a person",
            platform_message_id="m_standby_0001",
            standby=True,
        )
    ],
    "handover.json": [
        ThreadHandover(
            platform=M,
            event_id="pass_thread_control:2000000001:1718001200800",
            conversation_key="2000000001",
            action="pass",
            new_owner_app_id="263902037430900",
            previous_owner_app_id="1517776481860111",
            occurred_at=utc(6, 33, 20, 800),
        )
    ],
    "batch.json": [
        Inbound(
            platform=M,
            event_id="m_batch_0001",
            conversation_key="2000000001",
            sender_id="2000000001",
            sent_at=utc(6, 46, 40, 100),
            text="first",
            platform_message_id="m_batch_0001",
        ),
        Inbound(
            platform=M,
            event_id="postback:2000000002:1718002000200",
            conversation_key="2000000002",
            sender_id="2000000002",
            sent_at=utc(6, 46, 40, 200),
            kind="postback",
            text="Menu",
            payload="MENU",
        ),
        StatusUpdate(
            platform=M,
            event_id="read:2000000001:1718002000250",
            conversation_key="2000000001",
            status="read",
            occurred_at=utc(6, 46, 40, 300),
            watermark=utc(6, 46, 40, 250),
        ),
        Inbound(
            platform=M,
            event_id="m_batch_0002",
            conversation_key="2000000003",
            sender_id="2000000003",
            sent_at=utc(6, 46, 41, 100),
            kind="quick_reply",
            text="second",
            payload="YES",
            platform_message_id="m_batch_0002",
        ),
        Unhandled(
            platform=M,
            event_id="reaction:2000000003:1718002001200",
            conversation_key="2000000003",
            description="reaction",
            occurred_at=utc(6, 46, 41, 200),
        ),
    ],
    "empty_batch.json": [],
}


@pytest.mark.parametrize(("fixture", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_a_recorded_webhook_becomes_exactly_these_items(fixture: str, expected: list[InboundItem]) -> None:
    assert parse(load(fixture)) == expected


def test_every_fixture_on_disk_has_expectations() -> None:
    on_disk = {p.name for p in PAYLOADS.iterdir() if not p.name.startswith("malformed_")}
    assert on_disk == set(EXPECTED)


def test_times_are_aware_utc_from_milliseconds() -> None:
    (item,) = parse(load("text.json"))
    assert isinstance(item, Inbound)
    assert item.sent_at.tzinfo == UTC
    assert item.sent_at.timestamp() * 1000 == pytest.approx(1718000000400)


def test_a_batch_drops_nothing_and_keeps_order() -> None:
    body = json.loads(load("batch.json"))
    events = [event for entry in body["entry"] for event in entry["messaging"]]
    items = parse(load("batch.json"))
    assert len(items) == len(events) == 5
    assert [item.occurred_at if not isinstance(item, Inbound) else item.sent_at for item in items] == sorted(
        utc(6, 46, second, ms) for second, ms in ((40, 100), (40, 200), (40, 300), (41, 100), (41, 200))
    )


# -- parse: smaller shapes built inline ----------------------------------------------------------------


def envelope(*events: dict[str, Any], standby: bool = False, page: str = PAGE) -> bytes:
    entry = {"id": page, "time": 1718000000999, ("standby" if standby else "messaging"): list(events)}
    return json.dumps({"object": "page", "entry": [entry]}).encode()


def event(psid: Any = "2000000001", timestamp: Any = 1718000000400, **body: Any) -> dict[str, Any]:
    return {"sender": {"id": psid}, "recipient": {"id": PAGE}, "timestamp": timestamp, **body}


def test_a_standby_postback_has_no_payload_and_is_marked_standby() -> None:
    (item,) = parse(envelope(event(postback={"title": "Talk to us"}), standby=True))
    assert isinstance(item, Inbound)
    assert (item.kind, item.text, item.payload, item.standby) == ("postback", "Talk to us", None, True)


def test_an_ad_context_with_a_post_but_no_ad_is_a_post_referral() -> None:
    referral = {"source": "ADS", "type": "OPEN_THREAD", "ads_context_data": {"post_id": "1000000001_42"}}
    (item,) = parse(envelope(event(referral=referral)))
    assert isinstance(item, Inbound)
    assert item.referral == Referral(
        source="post", post_id="1000000001_42", source_type="ADS", context={"post_id": "1000000001_42"}
    )


def test_a_referral_with_an_unknown_source_keeps_its_ref() -> None:
    (item,) = parse(envelope(event(referral={"source": "CUSTOMER_CHAT_PLUGIN", "ref": "pricing_page"})))
    assert isinstance(item, Inbound)
    assert item.referral == Referral(
        source="referral", ref="pricing_page", source_type="CUSTOMER_CHAT_PLUGIN"
    )


def test_a_first_message_after_an_ad_carries_the_referral() -> None:
    message = {
        "mid": "m_ad_1",
        "text": "Is it still available?",
        "referral": {"source": "ADS", "ad_id": "77"},
    }
    (item,) = parse(envelope(event(message=message)))
    assert isinstance(item, Inbound)
    assert item.kind == "text"
    assert item.referral == Referral(source="ad", ad_id="77", source_type="ADS")


def test_a_shared_link_fallback_attachment_keeps_its_url_and_title() -> None:
    fallback = {"type": "fallback", "title": "Our menu", "url": "https://example.com/menu", "payload": None}
    (item,) = parse(envelope(event(message={"mid": "m_fb_1", "attachments": [fallback]})))
    assert isinstance(item, Inbound)
    assert item.attachments == (
        Attachment(kind="fallback", url="https://example.com/menu", caption="Our menu"),
    )


def test_an_app_roles_event_without_a_sender_is_kept_under_the_page() -> None:
    app_roles = {
        "recipient": {"id": PAGE},
        "timestamp": 1718000000400,
        "app_roles": {"123": ["primary_receiver"]},
    }
    assert parse(envelope(app_roles)) == [
        Unhandled(
            platform=M,
            event_id=f"app_roles:{PAGE}:1718000000400",
            conversation_key=PAGE,
            description="app_roles",
            occurred_at=utc(6, 13, 20, 400),
        )
    ]


def test_an_opt_in_by_user_ref_is_kept_under_the_page() -> None:
    optin = {"sender": {"user_ref": "ref-77"}, "recipient": {"id": PAGE}, "timestamp": 1718000000400}
    (item,) = parse(envelope(optin | {"optin": {"ref": "checkbox", "user_ref": "ref-77"}}))
    assert isinstance(item, Unhandled)
    assert (item.event_id, item.conversation_key) == (f"optin:{PAGE}:1718000000400", PAGE)


def test_a_take_by_another_app_is_a_handover_event() -> None:
    take = {"previous_owner_app_id": "1517776481860111", "metadata": "x"}
    (item,) = parse(envelope(event(take_thread_control=take)))
    assert item == ThreadHandover(
        platform=M,
        event_id="take_thread_control:2000000001:1718000000400",
        conversation_key="2000000001",
        action="take",
        new_owner_app_id=None,
        previous_owner_app_id="1517776481860111",
        occurred_at=utc(6, 13, 20, 400),
    )


@pytest.mark.parametrize("kind", ["request_thread_control", "message_edit"])
def test_other_well_formed_events_are_unhandled_not_rejected(kind: str) -> None:
    (item,) = parse(envelope(event(**{kind: {"metadata": "x"}})))
    assert item == Unhandled(
        platform=M,
        event_id=f"{kind}:2000000001:1718000000400",
        conversation_key="2000000001",
        description=kind,
        occurred_at=utc(6, 13, 20, 400),
    )


# -- parse: rejected requests name what is wrong -------------------------------------------------------

MALFORMED_FIXTURES = [
    ("malformed_not_json.txt", "not valid JSON"),
    ("malformed_wrong_object.json", "'object' must be 'page', got 'instagram'"),
    ("malformed_missing_sender.json", "entry[0].messaging[2].sender.id is missing"),
    ("malformed_entry_not_list.json", "'entry' must be a list"),
    ("malformed_timestamp_string.json", "entry[0].messaging[0].timestamp must be a number"),
]


@pytest.mark.parametrize(("fixture", "problem"), MALFORMED_FIXTURES, ids=[f for f, _ in MALFORMED_FIXTURES])
def test_a_malformed_fixture_is_rejected_naming_the_problem(fixture: str, problem: str) -> None:
    with pytest.raises(MalformedRequest) as caught:
        parse(load(fixture))
    assert problem in caught.value.message
    assert caught.value.status == 400


def test_every_malformed_fixture_on_disk_is_checked() -> None:
    on_disk = {p.name for p in PAYLOADS.iterdir() if p.name.startswith("malformed_")}
    assert on_disk == {name for name, _ in MALFORMED_FIXTURES}


MALFORMED_INLINE = [
    (envelope(event(message={"text": "no mid"})), "entry[0].messaging[0].message.mid is missing"),
    (envelope(event(psid=12345, message={"mid": "m1"})), "entry[0].messaging[0].sender.id must be"),
    (envelope(event(timestamp=None, message={"mid": "m1"})), "entry[0].messaging[0].timestamp is missing"),
    (envelope(event(timestamp=True, message={"mid": "m1"})), "entry[0].messaging[0].timestamp must be"),
    (envelope(event(delivery={"mids": ["m1"]})), "entry[0].messaging[0].delivery.watermark is missing"),
    (envelope(event(read={"watermark": "soon"})), "entry[0].messaging[0].read.watermark must be"),
    (envelope(event(message="hello")), "entry[0].messaging[0].message must be an object"),
    (envelope(event(message={"mid": "m1", "attachments": {}})), "message.attachments must be a list"),
    (
        envelope(event(message={"mid": "m1", "is_echo": True}) | {"recipient": {}}),
        "entry[0].messaging[0].recipient.id is missing",
    ),
    (envelope(event(psid=["x"], pass_thread_control={})), "entry[0].messaging[0].sender.id must be"),
    (envelope(event(referral="ADS")), "entry[0].messaging[0].referral must be an object"),
    (envelope(event(message={"mid": "m1"}, referral=[])), "entry[0].messaging[0].referral must be an object"),
    (
        envelope(event(delivery={"watermark": 1, "mids": [7]})),
        "entry[0].messaging[0].delivery.mids[0] must be",
    ),
    (envelope(event(message={"mid": "m1"}), page="9999999999"), "entry[0].id '9999999999' is not"),
    (b'{"object":"page","entry":[{"id":"1000000001","messaging":{}}]}', "entry[0].messaging must be a list"),
    (b'{"object":"page","entry":[{"id":"1000000001","standby":"x"}]}', "entry[0].standby must be a list"),
    (b'{"object":"page","entry":[{"messaging":[]}]}', "entry[0].id is missing"),
    (b'{"object":"page","entry":["x"]}', "entry[0] must be an object"),
    (b'{"object":"page","entry":[{"id":"1000000001","messaging":[{"timestamp":NaN}]}]}', "timestamp must be"),
    (b"[]", "must be a JSON object"),
]


@pytest.mark.parametrize(("body", "problem"), MALFORMED_INLINE, ids=[p for _, p in MALFORMED_INLINE])
def test_a_bad_field_rejects_the_request_naming_field_and_position(body: bytes, problem: str) -> None:
    with pytest.raises(MalformedRequest) as caught:
        parse(body)
    assert problem in caught.value.message


def test_one_bad_event_rejects_the_whole_batch() -> None:
    good = event(message={"mid": "m_good", "text": "fine"})
    bad = event(psid="2000000002", message={"text": "no mid"})
    with pytest.raises(MalformedRequest, match=r"messaging\[1\]\.message\.mid"):
        parse(envelope(good, bad))


def test_an_entry_for_another_page_is_rejected_even_after_a_good_one() -> None:
    body = json.loads(load("text.json"))
    body["entry"].append({**body["entry"][0], "id": "1000000002"})
    with pytest.raises(MalformedRequest, match=r"entry\[1\]\.id '1000000002'"):
        parse(json.dumps(body).encode())


# -- handshake and signature ---------------------------------------------------------------------------


def test_the_handshake_echoes_the_challenge_for_the_right_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    assert OFFLINE.handshake(query, CREDENTIALS) == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
    ],
    ids=["wrong-token", "wrong-mode", "no-challenge", "no-token"],
)
def test_the_handshake_rejects_anything_else(query: dict[str, str]) -> None:
    with pytest.raises(HandshakeRejected) as caught:
        OFFLINE.handshake(query, CREDENTIALS)
    assert caught.value.status == 403


def test_a_body_signed_with_the_app_secret_is_accepted_and_only_that_body() -> None:
    body = load("text.json")
    headers = {"X-Hub-Signature-256": sign(body, "app-secret-1")}
    OFFLINE.authenticate(headers, body, CREDENTIALS)
    with pytest.raises(SignatureMismatch):
        OFFLINE.authenticate(headers, body + b" ", CREDENTIALS)


def test_the_signature_header_name_is_case_insensitive() -> None:
    body = load("text.json")
    lower = {"x-hub-signature-256": sign(body, "app-secret-1")}
    OFFLINE.authenticate(lower, body, CREDENTIALS)
    with pytest.raises(SignatureMismatch, match="does not match"):
        OFFLINE.authenticate({"x-hub-signature-256": sign(body, "another-secret")}, body, CREDENTIALS)


def _signature_cases() -> list[tuple[dict[str, str], dict[str, str]]]:
    body = load("text.json")
    reserialised = json.dumps(json.loads(body)).encode()
    assert reserialised != body
    no_secret = {k: v for k, v in CREDENTIALS.items() if k != "app_secret"}
    return [
        ({}, CREDENTIALS),
        ({"X-Hub-Signature-256": sign(body, "another-secret")}, CREDENTIALS),
        ({"X-Hub-Signature-256": sign(reserialised, "app-secret-1")}, CREDENTIALS),
        ({"X-Hub-Signature-256": sign(body, "app-secret-1")}, no_secret),
    ]


@pytest.mark.parametrize(
    ("headers", "credentials"),
    _signature_cases(),
    ids=["missing-header", "wrong-secret", "reserialised-json", "channel-without-secret"],
)
def test_a_request_that_is_not_provably_from_meta_is_refused(
    headers: dict[str, str], credentials: dict[str, str]
) -> None:
    with pytest.raises(SignatureMismatch) as caught:
        OFFLINE.authenticate(headers, load("text.json"), credentials)
    assert caught.value.status == 401


# -- send ----------------------------------------------------------------------------------------------


class FakeGraph:
    """Records every request and answers with queued responses (then a successful send)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: list[httpx.Response | Exception] = []
        self.sent = 0

    def answer(self, *answers: httpx.Response | Exception) -> None:
        self.answers.extend(answers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        self.sent += 1
        return httpx.Response(200, json={"recipient_id": "2000000001", "message_id": f"m_sent_{self.sent}"})

    def bodies(self) -> list[Any]:
        return [json.loads(request.content) for request in self.requests]


@pytest.fixture
def graph() -> FakeGraph:
    return FakeGraph()


@pytest.fixture
async def adapter(graph: FakeGraph) -> AsyncIterator[MessengerAdapter]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(graph.handle)) as client:
        yield MessengerAdapter(client, API_BASE)


def outbound(text: str = "We open at 10.", **fields: Any) -> Outbound:
    return Outbound(recipient_id="2000000001", text=text, dedupe_key="msg-1-0", from_id=PAGE, **fields)


async def test_a_plain_reply_is_posted_to_the_page_with_a_bearer_token(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    result = await adapter.send(CREDENTIALS, outbound())
    assert result == SendResult(("m_sent_1",))
    (request,) = graph.requests
    assert request.method == "POST"
    assert str(request.url) == f"{API_BASE}/{PAGE}/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(request.url)
    assert json.loads(request.content) == {
        "recipient": {"id": "2000000001"},
        "messaging_type": "RESPONSE",
        "message": {"text": "We open at 10."},
    }


@pytest.mark.parametrize("page_id", ["12/34", "12?fields=x", "12#34", "../me", "12 34"])
async def test_a_page_id_is_one_quoted_path_segment_whatever_it_holds(
    adapter: MessengerAdapter, graph: FakeGraph, page_id: str
) -> None:
    await adapter.send(CREDENTIALS, dataclasses.replace(outbound(), from_id=page_id))
    await adapter.acknowledge(CREDENTIALS, page_id, inbound())

    assert len(graph.requests) == 3
    for request in graph.requests:
        assert request.url.raw_path.decode() == f"/v25.0/{quote(page_id, safe='')}/messages"
        assert request.url.params == httpx.QueryParams()


async def test_up_to_thirteen_choices_become_quick_replies_with_titles_cut_to_20(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    long_choice = "Book a table for the whole family"
    choices = ("Yes", "No", long_choice, *(f"Option {n}" for n in range(4, 14)))
    assert len(choices) == 13
    await adapter.send(CREDENTIALS, outbound("Shall I book it?", choices=choices))
    (body,) = graph.bodies()
    assert body["message"]["text"] == "Shall I book it?"
    replies = body["message"]["quick_replies"]
    assert len(replies) == 13
    assert replies[0] == {"content_type": "text", "title": "Yes", "payload": "Yes"}
    assert replies[2] == {"content_type": "text", "title": "Book a table for the", "payload": long_choice}
    assert all(len(reply["title"]) <= 20 for reply in replies)


async def test_more_than_thirteen_choices_fall_back_to_numbered_text(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    choices = tuple(f"Branch {n}" for n in range(1, 15))
    await adapter.send(CREDENTIALS, outbound("Which branch?", choices=choices))
    (body,) = graph.bodies()
    assert "quick_replies" not in body["message"]
    numbered = "\n".join(f"{n}. Branch {n}" for n in range(1, 15))
    assert body["message"] == {"text": f"Which branch?\n\n{numbered}"}


async def test_a_human_agent_reply_is_sent_with_the_message_tag(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    await adapter.send(CREDENTIALS, outbound("Sorry for the wait, Ana here.", tag="HUMAN_AGENT"))
    (body,) = graph.bodies()
    assert body == {
        "recipient": {"id": "2000000001"},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Sorry for the wait, Ana here."},
    }


async def test_reply_context_is_not_sent(adapter: MessengerAdapter, graph: FakeGraph) -> None:
    await adapter.send(CREDENTIALS, outbound(reply_to="m_text_0001"))
    (body,) = graph.bodies()
    assert "m_text_0001" not in json.dumps(body)


async def test_text_over_2000_characters_is_refused_before_any_request(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    await adapter.send(CREDENTIALS, outbound("x" * 2000))
    with pytest.raises(ValueError, match="2000"):
        await adapter.send(CREDENTIALS, outbound("x" * 2001))
    assert len(graph.requests) == 1


async def test_numbered_choices_that_overflow_the_limit_fail_permanently(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    choices = tuple(f"Choice {n}" for n in range(14))
    with pytest.raises(PermanentSendFailure, match="numbered choices"):
        await adapter.send(CREDENTIALS, outbound("x" * 1990, choices=choices))
    assert graph.requests == []


async def test_an_outbound_without_a_page_id_fails_permanently_without_calling_meta(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    with pytest.raises(PermanentSendFailure, match="page id"):
        await adapter.send(CREDENTIALS, dataclasses.replace(outbound(), from_id=""))
    assert graph.requests == []


async def test_a_channel_without_a_token_fails_permanently_without_calling_meta(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    with pytest.raises(PermanentSendFailure) as caught:
        await adapter.send({"app_secret": "s"}, outbound())
    assert caught.value.credentials_invalid
    assert graph.requests == []


def graph_error(
    code: int, subcode: int | None = None, status: int = 400, retry_after: str | None = None
) -> httpx.Response:
    error: dict[str, Any] = {"message": f"(#{code}) error", "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "AbCdEf"
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(status, json={"error": error}, headers=headers)


RETRYABLE = [
    (graph_error(1200), None),
    (graph_error(2), None),
    (httpx.Response(502, text="<html>Bad Gateway</html>"), None),
    (graph_error(4), 60.0),
    (graph_error(4, 2018022), 60.0),
    (graph_error(613), 60.0),
    (graph_error(613, status=429, retry_after="120"), 120.0),
    (graph_error(4, retry_after="7"), 7.0),
]


@pytest.mark.parametrize(
    ("response", "retry_after"),
    RETRYABLE,
    ids=["1200", "2", "http-502", "4", "4/2018022", "613", "613-retry-after-120", "4-retry-after-7"],
)
async def test_temporary_failures_are_retryable(
    adapter: MessengerAdapter, graph: FakeGraph, response: httpx.Response, retry_after: float | None
) -> None:
    graph.answer(response)
    with pytest.raises(RetryableSendFailure) as caught:
        await adapter.send(CREDENTIALS, outbound())
    if retry_after is None:
        assert caught.value.retry_after is None
    else:
        assert caught.value.retry_after == retry_after


PERMANENT = [
    (graph_error(10, 2018278), {"window_closed": True, "credentials_invalid": False, "code": "10/2018278"}),
    (
        graph_error(100, 2018001),
        {"window_closed": False, "credentials_invalid": False, "code": "100/2018001"},
    ),
    (graph_error(551), {"window_closed": False, "credentials_invalid": False, "code": "551"}),
    (
        graph_error(190, 463, status=401),
        {"window_closed": False, "credentials_invalid": True, "code": "190/463"},
    ),
]


@pytest.mark.parametrize(
    ("response", "flags"), PERMANENT, ids=["outside-window", "no-such-user", "unavailable", "bad-token"]
)
async def test_failures_that_will_not_heal_are_permanent(
    adapter: MessengerAdapter, graph: FakeGraph, response: httpx.Response, flags: dict[str, Any]
) -> None:
    graph.answer(response)
    with pytest.raises(PermanentSendFailure) as caught:
        await adapter.send(CREDENTIALS, outbound())
    failure = caught.value
    assert {"window_closed": failure.window_closed, "credentials_invalid": failure.credentials_invalid} == {
        "window_closed": flags["window_closed"],
        "credentials_invalid": flags["credentials_invalid"],
    }
    assert failure.code == flags["code"]
    assert TOKEN not in str(failure)


NOT_AN_ENVELOPE = {
    "list": [{"error": {"code": 190}}],
    "empty-list": [],
    "string": "Service Unavailable",
    "number": 42,
    "null": None,
    "error-is-a-string": {"error": "something broke"},
    "error-is-a-list": {"error": [{"code": 10}]},
    "code-is-a-list": {"error": {"code": [190], "message": ["no"]}},
    "code-is-true": {"error": {"code": True, "error_subcode": True}},
}


@pytest.mark.parametrize("body", list(NOT_AN_ENVELOPE.values()), ids=list(NOT_AN_ENVELOPE))
@pytest.mark.parametrize("status", [400, 403, 429, 500, 503])
async def test_an_error_body_that_is_not_graphs_envelope_is_classified_by_its_http_status(
    adapter: MessengerAdapter, graph: FakeGraph, body: object, status: int
) -> None:
    graph.answer(httpx.Response(status, json=body))

    with pytest.raises(SendFailed) as caught:
        await adapter.send(CREDENTIALS, outbound())

    failure = caught.value
    assert isinstance(failure, RetryableSendFailure if status in (429, 500, 503) else PermanentSendFailure)
    assert failure.code == str(status)
    assert failure.message  # the reason phrase, e.g. "Service Unavailable"
    if isinstance(failure, PermanentSendFailure):
        assert (failure.window_closed, failure.credentials_invalid) == (False, False)
    else:
        assert failure.retry_after == (60.0 if status == 429 else None)


async def test_an_error_body_nested_too_deep_to_parse_is_classified_by_its_http_status(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    graph.answer(httpx.Response(500, content=b"[" * 100_000 + b"]" * 100_000))

    with pytest.raises(RetryableSendFailure) as caught:
        await adapter.send(CREDENTIALS, outbound())

    assert caught.value.code == "500"


@pytest.mark.parametrize(
    "exc",
    [httpx.ReadTimeout("timed out"), httpx.ConnectError("connection refused")],
    ids=["timeout", "connect-error"],
)
async def test_a_timeout_or_dropped_connection_is_retryable(
    adapter: MessengerAdapter, graph: FakeGraph, exc: Exception
) -> None:
    graph.answer(exc)
    with pytest.raises(RetryableSendFailure) as caught:
        await adapter.send(CREDENTIALS, outbound())
    assert caught.value.code == "transport"


async def test_a_success_without_a_message_id_is_not_retried(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    graph.answer(httpx.Response(200, json={"recipient_id": "2000000001"}))
    assert await adapter.send(CREDENTIALS, outbound()) == SendResult(())


# -- acknowledge ---------------------------------------------------------------------------------------


def inbound(**fields: Any) -> Inbound:
    (item,) = parse(load("text.json"))
    assert isinstance(item, Inbound)
    return dataclasses.replace(item, **fields)


async def test_acknowledge_marks_seen_then_shows_typing_in_two_requests(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    await adapter.acknowledge(CREDENTIALS, PAGE, inbound())
    assert [str(r.url) for r in graph.requests] == [f"{API_BASE}/{PAGE}/messages"] * 2
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in graph.requests)
    assert graph.bodies() == [
        {"recipient": {"id": "2000000001"}, "sender_action": "mark_seen"},
        {"recipient": {"id": "2000000001"}, "sender_action": "typing_on"},
    ]


async def test_acknowledge_survives_meta_failing_and_logs_without_the_token(
    adapter: MessengerAdapter, graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    graph.answer(
        httpx.Response(500, json={"error": {"message": "oops", "code": 2}}), httpx.ReadTimeout("slow")
    )
    with caplog.at_level(logging.WARNING, logger="adapters.messenger"):
        await adapter.acknowledge(CREDENTIALS, PAGE, inbound())
    assert [body["sender_action"] for body in graph.bodies()] == ["mark_seen", "typing_on"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_acknowledge_without_a_token_does_not_raise(
    adapter: MessengerAdapter, graph: FakeGraph
) -> None:
    await adapter.acknowledge({}, PAGE, inbound())
    assert graph.requests == []


@pytest.mark.parametrize("flag", ["is_echo", "standby"])
async def test_echoes_and_standby_messages_are_not_acknowledged(
    adapter: MessengerAdapter, graph: FakeGraph, flag: str
) -> None:
    await adapter.acknowledge(CREDENTIALS, PAGE, inbound(**{flag: True}))
    assert graph.requests == []
