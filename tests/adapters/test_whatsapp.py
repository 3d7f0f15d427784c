"""WhatsApp Cloud API adapter: webhook fixtures in, exact items out; Graph API requests against a mock."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Callable
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
    Location,
    MalformedRequest,
    Outbound,
    PermanentSendFailure,
    Platform,
    Referral,
    RetryableSendFailure,
    SignatureMismatch,
    StatusUpdate,
    TemplateRef,
    Unhandled,
)
from adapters.inbound_records import item_from_record, item_to_record
from adapters.meta import RATE_LIMIT_PAUSE_SECONDS, sign
from adapters.whatsapp import WhatsAppAdapter, e164

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "whatsapp"
API_BASE = "https://graph.facebook.com/v25.0"
PHONE_NUMBER_ID = "3000000001"
WABA_ID = "4000000001"
WA_ID = "15551234567"
CHANNEL = ChannelRef(external_id=PHONE_NUMBER_ID)
NOW = datetime(2024, 6, 12, 9, 30, tzinfo=UTC)
TOKEN = "EAAG-test-access-token"
APP_SECRET = "app-secret-for-tests"
CREDENTIALS = {"access_token": TOKEN, "app_secret": APP_SECRET, "verify_token": "verify-me"}
OUR_MESSAGE = "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
SENT_ID = "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBJCNEY2QjI3RTk0QUQ4QjY3RjgA"


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def accepted(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": WA_ID, "wa_id": WA_ID}],
            "messages": [{"id": SENT_ID, "message_status": "accepted"}],
        },
    )


# Parsing and verifying never touch the network, so one offline adapter serves them all.
OFFLINE = WhatsAppAdapter(
    httpx.AsyncClient(transport=httpx.MockTransport(accepted)), API_BASE, clock=lambda: NOW
)


def parse(body: bytes, channel: ChannelRef = CHANNEL) -> list[InboundItem]:
    return OFFLINE.parse(body, channel)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def from_ana(message_id: str, seconds: int, **fields: Any) -> Inbound:
    return Inbound(
        platform=Platform.WHATSAPP,
        event_id=message_id,
        conversation_key=WA_ID,
        sender_id=WA_ID,
        sent_at=at(seconds),
        sender_name="Ana Souza",
        platform_message_id=message_id,
        phone="+15551234567",
        **fields,
    )


def status(message_id: str, state: str, seconds: int, **fields: Any) -> StatusUpdate:
    return StatusUpdate(
        platform=Platform.WHATSAPP,
        event_id=f"{message_id}:{state}",
        conversation_key=WA_ID,
        status=state,
        occurred_at=at(seconds),
        platform_message_id=message_id,
        **fields,
    )


def mutated(name: str, change: Callable[[dict[str, Any]], None]) -> bytes:
    data = json.loads(payload(name))
    change(data)
    return json.dumps(data).encode()


def value_of(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = data["entry"][0]["changes"][0]["value"]
    return result


def first_message(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = value_of(data)["messages"][0]
    return result


# --- parsing: one fixture, the exact items ---------------------------------------------------------------

EXPECTED: dict[str, list[InboundItem]] = {
    "text.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQUQ5RjBCMUMyRDNFNEY1QTZCNwA=",
            1718000000,
            text="Hi, are you open on Saturday?",
        )
    ],
    "button_reply.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQjI1QzhFMkY0QTEwRDdFOUI2MQA=",
            1718000060,
            kind="interactive",
            text="Yes, book it",
            payload="choice-1",
            reply_to=OUR_MESSAGE,
        )
    ],
    "list_reply.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQzY3RDlGMDExMjIzMzQ0NTU2NwA=",
            1718000120,
            kind="interactive",
            text="Saturday 10:00",
            payload="choice-4",
            reply_to=OUR_MESSAGE,
        )
    ],
    "template_button.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzRDg4RTdBNjU1NDQzMzIyMTEwMAA=",
            1718000180,
            kind="button",
            text="Stop promotions",
            payload="STOP_PROMOTIONS",
            reply_to=OUR_MESSAGE,
        )
    ],
    "image.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzRTExMjIzMzQ0NTU2Njc3ODg5OQA=",
            1718000240,
            kind="attachment",
            text="Is this the right part?",
            attachments=(
                Attachment(
                    kind="image",
                    media_id="1234567890123456",
                    mime_type="image/jpeg",
                    caption="Is this the right part?",
                ),
            ),
        )
    ],
    "audio.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzRjk5ODg3NzY2NTU0NDMzMjIxMQA=",
            1718000300,
            kind="attachment",
            attachments=(
                Attachment(kind="audio", media_id="2234567890123456", mime_type="audio/ogg; codecs=opus"),
            ),
        )
    ],
    "video.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzMDAxMTIyMzM0NDU1NjY3Nzg4OQA=",
            1718000360,
            kind="attachment",
            attachments=(Attachment(kind="video", media_id="3234567890123456", mime_type="video/mp4"),),
        )
    ],
    "document.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzMTIzNDU2Nzg5MEFCQ0RFRjAxMgA=",
            1718000420,
            kind="attachment",
            text="My invoice",
            attachments=(
                Attachment(
                    kind="document",
                    media_id="4234567890123456",
                    mime_type="application/pdf",
                    caption="My invoice",
                ),
            ),
        )
    ],
    "sticker.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzMjM0NTY3ODkwQUJDREVGMDEyMwA=",
            1718000480,
            kind="attachment",
            attachments=(Attachment(kind="sticker", media_id="5234567890123456", mime_type="image/webp"),),
        )
    ],
    "location.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzMzQ1Njc4OTBBQkNERUYwMTIzNAA=",
            1718000540,
            kind="location",
            location=Location(
                latitude=38.7223,
                longitude=-9.1393,
                name="Praca do Comercio",
                address="Praca do Comercio, 1100-148 Lisboa",
            ),
        )
    ],
    "reaction.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzNDU2Nzg5MEFCQ0RFRjAxMjM0NQA=",
            1718000600,
            kind="reaction",
            payload="\N{THUMBS UP SIGN}",
            reply_to=OUR_MESSAGE,
        )
    ],
    "unsupported.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzNTY3ODkwQUJDREVGMDEyMzQ1NgA=", 1718000660, kind="unsupported"
        )
    ],
    "referral_ad.json": [
        from_ana(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzNjc4OTBBQkNERUYwMTIzNDU2NwA=",
            1718000720,
            text="Can I get more info on this?",
            referral=Referral(
                source="ad",
                ad_id="120210000000000001",
                headline="Spring sale: 20% off",
                source_url="https://fb.me/3cr4Wqqkv",
                source_type="ad",
                ctwa_clid="ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a",
                context={
                    "body": "Book a service before May and save.",
                    "media_type": "image",
                    "image_url": "https://scontent.xx.fbcdn.net/v/t45.1600-4/ad.jpg",
                    "thumbnail_url": "https://scontent.xx.fbcdn.net/v/t45.1600-4/ad_thumb.jpg",
                },
            ),
        )
    ],
    "status_sent.json": [status(OUR_MESSAGE, "sent", 1718000010)],
    "status_delivered.json": [status(OUR_MESSAGE, "delivered", 1718000011)],
    "status_read.json": [status(OUR_MESSAGE, "read", 1718000030)],
    "status_failed_131047.json": [
        status(
            "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI4RkUzQTlCMkM3RDFFNjQ1RjAA",
            "failed",
            1718090000,
            error_code="131047",
            error_message=(
                "Re-engagement message: Message failed to send because more than 24 hours have passed "
                "since the customer last replied to this number."
            ),
            window_closed=True,
        )
    ],
    "empty_batch.json": [],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_exact_items(name: str) -> None:
    assert parse(payload(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parsed_items_survive_the_inbox_record_round_trip(name: str) -> None:
    items = parse(payload(name))
    assert [item_from_record(json.loads(json.dumps(item_to_record(item)))) for item in items] == items


def test_timestamps_are_string_seconds_read_as_aware_utc() -> None:
    [message] = parse(payload("text.json"))
    assert isinstance(message, Inbound)
    assert message.sent_at == datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)


def test_late_131047_failure_arrives_as_a_failed_status_of_the_accepted_message() -> None:
    [update] = parse(payload("status_failed_131047.json"))
    assert isinstance(update, StatusUpdate)
    assert (update.status, update.error_code, update.window_closed) == ("failed", "131047", True)
    assert update.occurred_at == datetime(2024, 6, 11, 7, 13, 20, tzinfo=UTC)


def test_batch_keeps_every_message_and_status_in_order() -> None:
    items = parse(payload("batch.json"))
    summary = [(type(item).__name__, item.event_id) for item in items]
    template_change = summary[4]
    assert template_change[0] == "Unhandled"
    assert template_change[1].startswith(f"message_template_status_update:{WABA_ID}:")
    assert summary[:4] + summary[5:] == [
        ("Inbound", "wamid.BATCH.IN.1"),
        ("Inbound", "wamid.BATCH.IN.2"),
        ("StatusUpdate", "wamid.BATCH.OUT.1:delivered"),
        ("StatusUpdate", "wamid.BATCH.OUT.1:read"),
        ("Inbound", "wamid.BATCH.IN.3"),
        ("StatusUpdate", "wamid.BATCH.OUT.2:sent"),
    ]
    assert items[0] == from_ana("wamid.BATCH.IN.1", 1718001000, text="first")
    assert items[3] == status("wamid.BATCH.OUT.1", "read", 1718001003)
    third = items[5]
    assert isinstance(third, Inbound)
    assert (third.sender_id, third.sender_name, third.phone, third.text) == (
        "447700900123",
        "Ben",
        "+447700900123",
        "third, from someone else",
    )


def test_other_field_is_kept_as_unhandled_with_a_deterministic_id() -> None:
    [item] = parse(payload("other_field.json"))
    assert isinstance(item, Unhandled)
    assert item.event_id.startswith(f"message_template_status_update:{WABA_ID}:")
    assert (item.conversation_key, item.occurred_at) == (WABA_ID, at(1718003600))
    assert "message_template_status_update" in item.description
    assert parse(payload("other_field.json")) == [item]


@pytest.mark.parametrize(
    "change",
    [
        lambda data: value_of(data).__setitem__("event", "PAUSED"),
        lambda data: data["entry"][0].__setitem__("time", 1718007200),
    ],
    ids=["other content", "later time"],
)
def test_a_different_event_of_the_same_field_gets_a_different_id(
    change: Callable[[dict[str, Any]], None],
) -> None:
    [original] = parse(payload("other_field.json"))
    [other] = parse(mutated("other_field.json", change))
    assert other.event_id.startswith(f"message_template_status_update:{WABA_ID}:")
    assert other.event_id != original.event_id


def test_an_unhandled_change_without_any_time_is_stamped_on_arrival() -> None:
    [item] = parse(mutated("other_field.json", lambda data: data["entry"][0].pop("time")))
    assert isinstance(item, Unhandled)
    assert item.occurred_at == NOW


def test_top_level_errors_become_unhandled_items() -> None:
    [item] = parse(payload("value_errors.json"))
    assert isinstance(item, Unhandled)
    assert item.event_id.startswith(f"error:{PHONE_NUMBER_ID}:131000:")
    assert item.conversation_key == PHONE_NUMBER_ID
    assert "131000" in item.description
    assert "unknown error" in item.description
    assert item.occurred_at == NOW

    [stamped] = parse(
        mutated("value_errors.json", lambda data: data["entry"][0].__setitem__("time", 1718003600))
    )
    assert isinstance(stamped, Unhandled)
    assert stamped.occurred_at == at(1718003600)


# --- parsing: variations built from the fixtures ---------------------------------------------------------


def test_sender_name_comes_only_from_the_matching_contact() -> None:
    def other_contact(data: dict[str, Any]) -> None:
        value_of(data)["contacts"] = [{"profile": {"name": "Someone Else"}, "wa_id": "15559999999"}]

    [message] = parse(mutated("text.json", other_contact))
    assert isinstance(message, Inbound)
    assert message.sender_name is None

    [message] = parse(mutated("text.json", lambda data: value_of(data).pop("contacts")))
    assert isinstance(message, Inbound)
    assert message.sender_name is None


def test_unknown_message_types_and_interactive_kinds_are_unsupported() -> None:
    def order(data: dict[str, Any]) -> None:
        message = first_message(data)
        message["type"] = "order"
        message["order"] = {"catalog_id": "1", "product_items": []}

    def flow_reply(data: dict[str, Any]) -> None:
        message = first_message(data)
        message["interactive"] = {"type": "nfm_reply", "nfm_reply": {"response_json": "{}"}}

    for body in (mutated("text.json", order), mutated("button_reply.json", flow_reply)):
        [message] = parse(body)
        assert isinstance(message, Inbound)
        assert (message.kind, message.text, message.payload) == ("unsupported", None, None)


def test_referral_from_a_post_names_the_post() -> None:
    def from_post(data: dict[str, Any]) -> None:
        first_message(data)["referral"]["source_type"] = "post"

    [message] = parse(mutated("referral_ad.json", from_post))
    assert isinstance(message, Inbound)
    assert message.referral is not None
    assert (message.referral.source, message.referral.post_id, message.referral.ad_id) == (
        "post",
        "120210000000000001",
        None,
    )


def test_unknown_status_value_is_unhandled_not_a_delivery_status() -> None:
    def deleted(data: dict[str, Any]) -> None:
        value_of(data)["statuses"][0]["status"] = "deleted"

    [item] = parse(mutated("status_read.json", deleted))
    assert isinstance(item, Unhandled)
    assert item.event_id == f"{OUR_MESSAGE}:deleted"


def test_phone_is_e164_when_the_wa_id_can_be_a_number() -> None:
    assert e164("15551234567") == "+15551234567"
    assert e164("5511987654321") == "+5511987654321"
    assert e164("123") is None
    assert e164("not-a-number") is None


MALFORMED_FILES = {
    "malformed_not_json.txt": "body is not valid JSON",
    "malformed_wrong_object.json": "'object' must be 'whatsapp_business_account', got 'page'",
    "malformed_missing_phone_number_id.json": "entry[0].changes[0].value.metadata.phone_number_id is missing",
    "malformed_wrong_phone_number_id.json": (
        "entry[0].changes[0].value.metadata.phone_number_id '3999999999' is not this channel's"
    ),
    "malformed_message_without_from.json": "entry[0].changes[1].value.messages[0].from is missing",
    "malformed_changes_not_list.json": "entry[0].changes must be a list",
}


@pytest.mark.parametrize(("name", "problem"), sorted(MALFORMED_FILES.items()))
def test_malformed_fixture_is_rejected_naming_the_problem(name: str, problem: str) -> None:
    with pytest.raises(MalformedRequest) as caught:
        parse(payload(name))
    assert problem in caught.value.message
    assert caught.value.status == 400


def test_a_webhook_for_another_number_is_refused_for_this_channel() -> None:
    body = payload("text.json")
    assert parse(body, ChannelRef(external_id=PHONE_NUMBER_ID))
    with pytest.raises(MalformedRequest, match="3000000001"):
        parse(body, ChannelRef(external_id="3000000002"))


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: first_message(data).pop(key)


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda data: first_message(data).__setitem__(key, value)


def _status_drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: value_of(data)["statuses"][0].pop(key)


@pytest.mark.parametrize(
    ("name", "change", "problem"),
    [
        ("text.json", _drop("id"), "entry[0].changes[0].value.messages[0].id is missing"),
        ("text.json", _drop("timestamp"), "entry[0].changes[0].value.messages[0].timestamp is missing"),
        ("text.json", _drop("type"), "entry[0].changes[0].value.messages[0].type is missing"),
        ("text.json", _set("from", 15551234567), "messages[0].from must be a non-empty string"),
        ("text.json", _set("timestamp", "yesterday"), "messages[0].timestamp must be epoch seconds"),
        ("text.json", _set("timestamp", 1718000000.5), "messages[0].timestamp must be epoch seconds"),
        ("text.json", lambda d: value_of(d).__setitem__("messages", {}), "value.messages must be a list"),
        ("text.json", lambda d: value_of(d).__setitem__("messages", ["x"]), "messages[0] must be an object"),
        ("text.json", lambda d: value_of(d).pop("metadata"), "entry[0].changes[0].value.metadata is missing"),
        ("text.json", lambda d: d["entry"].__setitem__(0, "x"), "entry[0] must be an object"),
        ("text.json", lambda d: d["entry"][0].pop("id"), "entry[0].id is missing"),
        ("text.json", lambda d: d["entry"][0]["changes"][0].pop("field"), "changes[0].field is missing"),
        (
            "location.json",
            lambda d: first_message(d)["location"].pop("latitude"),
            "location.latitude is missing",
        ),
        ("status_read.json", _status_drop("id"), "value.statuses[0].id is missing"),
        ("status_read.json", _status_drop("status"), "value.statuses[0].status is missing"),
        ("status_read.json", _status_drop("recipient_id"), "value.statuses[0].recipient_id is missing"),
    ],
)
def test_missing_or_ill_typed_required_field_rejects_the_request(
    name: str, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    with pytest.raises(MalformedRequest) as caught:
        parse(mutated(name, change))
    assert problem in caught.value.message


def test_one_bad_item_rejects_the_whole_batch() -> None:
    def break_last(data: dict[str, Any]) -> None:
        data["entry"][1]["changes"][1]["value"]["statuses"][0].pop("id")

    assert len(parse(payload("batch.json"))) == 7
    with pytest.raises(MalformedRequest, match=r"entry\[1\]\.changes\[1\]\.value\.statuses\[0\]\.id"):
        parse(mutated("batch.json", break_last))


def test_every_fixture_file_is_exercised() -> None:
    covered = set(EXPECTED) | set(MALFORMED_FILES) | {"batch.json", "other_field.json", "value_errors.json"}
    assert {path.name for path in PAYLOADS.iterdir()} == covered


# --- handshake and signature -----------------------------------------------------------------------------


def test_handshake_echoes_the_challenge_for_the_right_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    assert OFFLINE.handshake(query, CREDENTIALS) == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
    ],
)
def test_handshake_rejects_a_wrong_request(query: dict[str, str]) -> None:
    with pytest.raises(HandshakeRejected):
        OFFLINE.handshake(query, CREDENTIALS)


def test_signature_over_the_raw_body_is_accepted_in_any_header_case() -> None:
    body = payload("text.json")
    signature = sign(body, APP_SECRET)
    OFFLINE.authenticate({"X-Hub-Signature-256": signature}, body, CREDENTIALS)
    OFFLINE.authenticate({"x-hub-signature-256": signature}, body, CREDENTIALS)
    with pytest.raises(SignatureMismatch, match="does not match"):
        OFFLINE.authenticate({"x-hub-signature-256": sign(body, "another-secret")}, body, CREDENTIALS)


def test_signature_is_checked_over_raw_bytes_not_re_serialised_json() -> None:
    # Meta escapes non-ASCII characters in the body it signs; re-serialising changes the bytes.
    raw = json.dumps(json.loads(payload("reaction.json"))).encode()
    reserialised = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert raw != reserialised
    OFFLINE.authenticate({"X-Hub-Signature-256": sign(raw, APP_SECRET)}, raw, CREDENTIALS)
    with pytest.raises(SignatureMismatch):
        OFFLINE.authenticate({"X-Hub-Signature-256": sign(reserialised, APP_SECRET)}, raw, CREDENTIALS)


@pytest.mark.parametrize(
    ("headers", "credentials", "problem"),
    [
        ({}, CREDENTIALS, "missing"),
        ({"X-Hub-Signature-256": "sha256=" + "0" * 64}, CREDENTIALS, "does not match"),
        ({"X-Hub-Signature-256": "SIGN"}, {"access_token": TOKEN}, "no app secret"),
    ],
)
def test_signature_problems_are_rejected(
    headers: dict[str, str], credentials: dict[str, str], problem: str
) -> None:
    body = payload("text.json")
    headers = {k: sign(body, APP_SECRET) if v == "SIGN" else v for k, v in headers.items()}
    with pytest.raises(SignatureMismatch, match=problem):
        OFFLINE.authenticate(headers, body, credentials)


# --- sending ---------------------------------------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


class FakeGraph:
    """Records every request and answers with the handler."""

    def __init__(self, handler: Handler = accepted) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def bodies(self) -> list[Any]:
        return [json.loads(request.content) for request in self.requests]


@pytest.fixture
def graph() -> FakeGraph:
    return FakeGraph()


@pytest.fixture
async def adapter(graph: FakeGraph) -> AsyncIterator[WhatsAppAdapter]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(graph)) as client:
        yield WhatsAppAdapter(client, API_BASE)


def outbound(text: str = "We open at 9.", **fields: Any) -> Outbound:
    return Outbound(recipient_id=WA_ID, text=text, dedupe_key="out-1", from_id=PHONE_NUMBER_ID, **fields)


ENVELOPE = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_ID}


async def test_send_text_posts_to_the_phone_number_with_a_bearer_token(
    adapter: WhatsAppAdapter, graph: FakeGraph
) -> None:
    result = await adapter.send(CREDENTIALS, outbound(preview_url=True))
    [request] = graph.requests
    assert request.method == "POST"
    assert str(request.url) == f"{API_BASE}/{PHONE_NUMBER_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(request.url)
    assert graph.bodies() == [
        {**ENVELOPE, "type": "text", "text": {"preview_url": True, "body": "We open at 9."}}
    ]
    assert result.platform_message_ids == (SENT_ID,)


@pytest.mark.parametrize("phone_number_id", ["30/01", "30?fields=x", "30#01", "../me"])
async def test_a_phone_number_id_is_one_quoted_path_segment_whatever_it_holds(
    adapter: WhatsAppAdapter, graph: FakeGraph, phone_number_id: str
) -> None:
    await adapter.send(CREDENTIALS, dataclasses.replace(outbound(), from_id=phone_number_id))

    [request] = graph.requests
    assert request.url.raw_path.decode() == f"/v25.0/{quote(phone_number_id, safe='')}/messages"
    assert request.url.params == httpx.QueryParams()


async def test_send_reply_carries_the_context(adapter: WhatsAppAdapter, graph: FakeGraph) -> None:
    await adapter.send(CREDENTIALS, outbound(reply_to=OUR_MESSAGE))
    assert graph.bodies() == [
        {
            **ENVELOPE,
            "context": {"message_id": OUR_MESSAGE},
            "type": "text",
            "text": {"preview_url": False, "body": "We open at 9."},
        }
    ]


async def test_three_choices_become_reply_buttons_with_titles_cut_to_20(
    adapter: WhatsAppAdapter, graph: FakeGraph
) -> None:
    choices = ("Book an appointment now", "Talk to a person please", "Opening hours")
    await adapter.send(CREDENTIALS, outbound("How can I help?", choices=choices))
    assert graph.bodies() == [
        {
            **ENVELOPE,
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "How can I help?"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "choice-1", "title": "Book an appointment "}},
                        {"type": "reply", "reply": {"id": "choice-2", "title": "Talk to a person ple"}},
                        {"type": "reply", "reply": {"id": "choice-3", "title": "Opening hours"}},
                    ]
                },
            },
        }
    ]


async def test_five_choices_become_a_list(adapter: WhatsAppAdapter, graph: FakeGraph) -> None:
    choices = ("Mon", "Tue", "Wed", "Thu", "Saturday morning before ten")
    await adapter.send(CREDENTIALS, outbound("Pick a day", choices=choices))
    assert graph.bodies() == [
        {
            **ENVELOPE,
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Pick a day"},
                "action": {
                    "button": "Choose",
                    "sections": [
                        {
                            "title": "Options",
                            "rows": [
                                {"id": "choice-1", "title": "Mon"},
                                {"id": "choice-2", "title": "Tue"},
                                {"id": "choice-3", "title": "Wed"},
                                {"id": "choice-4", "title": "Thu"},
                                {"id": "choice-5", "title": "Saturday morning before "},
                            ],
                        }
                    ],
                },
            },
        }
    ]


async def test_more_than_ten_choices_become_numbered_text(adapter: WhatsAppAdapter, graph: FakeGraph) -> None:
    choices = tuple(f"Option {n}" for n in range(1, 12))
    await adapter.send(CREDENTIALS, outbound("Pick one", choices=choices))
    numbered = "\n".join(f"{n}. Option {n}" for n in range(1, 12))
    assert graph.bodies() == [
        {**ENVELOPE, "type": "text", "text": {"preview_url": False, "body": f"Pick one\n\n{numbered}"}}
    ]


async def test_choices_with_a_body_over_1024_fall_back_to_numbered_text(
    adapter: WhatsAppAdapter, graph: FakeGraph
) -> None:
    text = "x" * 1025
    await adapter.send(CREDENTIALS, outbound(text, choices=("Yes", "No")))
    [body] = graph.bodies()
    assert body["type"] == "text"
    assert body["text"]["body"] == f"{text}\n\n1. Yes\n2. No"

    await adapter.send(CREDENTIALS, outbound("x" * 1024, choices=("Yes", "No")))
    assert graph.bodies()[1]["type"] == "interactive"


async def test_titles_that_collide_once_cut_fall_back_to_numbered_text(
    adapter: WhatsAppAdapter, graph: FakeGraph
) -> None:
    choices = ("Appointment on Monday", "Appointment on Mondays")
    await adapter.send(CREDENTIALS, outbound("Which?", choices=choices))
    [body] = graph.bodies()
    assert body["text"]["body"] == "Which?\n\n1. Appointment on Monday\n2. Appointment on Mondays"


async def test_template_replaces_the_text(adapter: WhatsAppAdapter, graph: FakeGraph) -> None:
    template = TemplateRef(name="appointment_reminder", language="pt_BR")
    await adapter.send(CREDENTIALS, outbound("ignored", template=template, choices=("A",)))
    assert graph.bodies() == [
        {
            **ENVELOPE,
            "type": "template",
            "template": {"name": "appointment_reminder", "language": {"code": "pt_BR"}},
        }
    ]


async def test_text_over_4096_is_refused_before_any_request(
    adapter: WhatsAppAdapter, graph: FakeGraph
) -> None:
    with pytest.raises(ValueError, match="4096"):
        await adapter.send(CREDENTIALS, outbound("y" * 4097))
    assert graph.requests == []
    await adapter.send(CREDENTIALS, outbound("y" * 4096))
    assert len(graph.requests) == 1


async def test_send_without_a_token_fails_permanently_without_calling(
    adapter: WhatsAppAdapter, graph: FakeGraph
) -> None:
    with pytest.raises(PermanentSendFailure) as caught:
        await adapter.send({"app_secret": APP_SECRET}, outbound())
    assert caught.value.credentials_invalid
    assert graph.requests == []


def graph_error(status: int, code: int, headers: dict[str, str] | None = None) -> Handler:
    body = {
        "error": {
            "message": f"(#{code}) error for tests",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": "details for tests"},
            "fbtrace_id": "AbCdEf123",
        }
    }
    return lambda request: httpx.Response(status, json=body, headers=headers)


def plain(status: int, headers: dict[str, str] | None = None) -> Handler:
    return lambda request: httpx.Response(status, text="<html>error</html>", headers=headers)


def raising(exc: type[httpx.RequestError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("simulated", request=request)

    return handler


@pytest.mark.parametrize(
    ("handler", "code", "retry_after"),
    [
        (graph_error(400, 130429), "130429", RATE_LIMIT_PAUSE_SECONDS),
        (graph_error(400, 131056), "131056", RATE_LIMIT_PAUSE_SECONDS),
        (graph_error(500, 131000), "131000", None),
        (graph_error(503, 131016), "131016", None),
        (plain(502), "502", None),
        (plain(429, {"Retry-After": "7"}), "429", 7.0),
        (raising(httpx.ReadTimeout), "transport", None),
        (raising(httpx.ConnectError), "transport", None),
    ],
)
async def test_retryable_failures(handler: Handler, code: str, retry_after: float | None) -> None:
    adapter = WhatsAppAdapter(httpx.AsyncClient(transport=httpx.MockTransport(handler)), API_BASE)
    with pytest.raises(RetryableSendFailure) as caught:
        await adapter.send(CREDENTIALS, outbound())
    assert caught.value.code == code
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(
    ("handler", "code", "window_closed", "credentials_invalid"),
    [
        (graph_error(400, 131047), "131047", True, False),
        (graph_error(400, 131026), "131026", False, False),
        (graph_error(401, 190), "190", False, True),
    ],
)
async def test_permanent_failures(
    handler: Handler, code: str, window_closed: bool, credentials_invalid: bool
) -> None:
    adapter = WhatsAppAdapter(httpx.AsyncClient(transport=httpx.MockTransport(handler)), API_BASE)
    with pytest.raises(PermanentSendFailure) as caught:
        await adapter.send(CREDENTIALS, outbound())
    assert caught.value.code == code
    assert caught.value.window_closed is window_closed
    assert caught.value.credentials_invalid is credentials_invalid


# --- acknowledging ---------------------------------------------------------------------------------------


def customer_message(message_id: str | None = "wamid.IN.1") -> Inbound:
    return Inbound(
        platform=Platform.WHATSAPP,
        event_id="wamid.IN.1",
        conversation_key=WA_ID,
        sender_id=WA_ID,
        sent_at=NOW,
        text="hi",
        platform_message_id=message_id,
    )


async def test_acknowledge_marks_read_with_a_typing_indicator(
    adapter: WhatsAppAdapter, graph: FakeGraph
) -> None:
    graph.handler = lambda request: httpx.Response(200, json={"success": True})
    await adapter.acknowledge(CREDENTIALS, PHONE_NUMBER_ID, customer_message())
    [request] = graph.requests
    assert str(request.url) == f"{API_BASE}/{PHONE_NUMBER_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert graph.bodies() == [
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.IN.1",
            "typing_indicator": {"type": "text"},
        }
    ]


async def test_acknowledge_skips_a_message_without_an_id(adapter: WhatsAppAdapter, graph: FakeGraph) -> None:
    await adapter.acknowledge(CREDENTIALS, PHONE_NUMBER_ID, customer_message(None))
    assert graph.requests == []


@pytest.mark.parametrize(
    "handler",
    [graph_error(400, 131026), plain(500), raising(httpx.ReadTimeout)],
    ids=["4xx", "5xx", "timeout"],
)
async def test_acknowledge_survives_errors_and_logs_without_the_token(
    handler: Handler, caplog: pytest.LogCaptureFixture
) -> None:
    graph = FakeGraph(handler)
    adapter = WhatsAppAdapter(httpx.AsyncClient(transport=httpx.MockTransport(graph)), API_BASE)
    with caplog.at_level(logging.WARNING, logger="adapters.whatsapp"):
        await adapter.acknowledge(CREDENTIALS, PHONE_NUMBER_ID, customer_message())
    assert len(graph.requests) == 1
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "mark-as-read" in warnings[0].getMessage()
    assert TOKEN not in caplog.text


async def test_acknowledge_without_a_token_logs_and_does_not_call(
    adapter: WhatsAppAdapter, graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="adapters.whatsapp"):
        await adapter.acknowledge({}, PHONE_NUMBER_ID, customer_message())
    assert graph.requests == []
    assert "access token" in caplog.text
