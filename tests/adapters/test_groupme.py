"""GroupMe: callbacks parse into exact items, the bot answers when addressed, posts reach the fake API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.base import (
    Attachment,
    ChannelRef,
    HandshakeRejected,
    Inbound,
    Location,
    MalformedRequest,
    Outbound,
    PermanentSendFailure,
    Platform,
    RetryableSendFailure,
    SendResult,
    SignatureMismatch,
    Unhandled,
)
from adapters.groupme import GroupMeAdapter
from tests.fakes.groupme import FakeGroupMe

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "groupme"
GROUP = "2000"
BOT_ID = "bot-1"
CHANNEL = ChannelRef(external_id=BOT_ID, group_id=GROUP, settings={"bot_name": "Brewbot"})


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def message_saying(text: str | None) -> bytes:
    data = json.loads(payload("user_text.json"))
    data["text"] = text
    return json.dumps(data).encode()


def changed(fixture: str, /, **fields: Any) -> bytes:
    data = json.loads(payload(fixture))
    data.update(fields)
    return json.dumps(data).encode()


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# Parsing never touches the network; this client is never used.
PARSER = GroupMeAdapter(httpx.AsyncClient(), "http://unused")


def parse_one(body: bytes, channel: ChannelRef = CHANNEL) -> Any:
    items = PARSER.parse(body, channel)
    assert len(items) == 1
    return items[0]


# --- Parsing every fixture -------------------------------------------------------------------------------


def test_a_user_text_becomes_one_group_inbound_not_addressed_without_the_bots_name() -> None:
    assert parse_one(payload("user_text.json")) == Inbound(
        platform=Platform.GROUPME,
        event_id="171800000012345",
        platform_message_id="171800000012345",
        conversation_key=GROUP,
        group_id=GROUP,
        sender_id="12345",
        sender_name="Ana",
        sent_at=datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC),
        kind="text",
        text="what time do you open on sunday?",
        addressed=False,
    )


def test_a_mention_of_the_bot_addresses_it_and_keeps_the_mentioned_user_ids() -> None:
    assert parse_one(payload("user_mention.json")) == Inbound(
        platform=Platform.GROUPME,
        event_id="171800006012346",
        platform_message_id="171800006012346",
        conversation_key=GROUP,
        group_id=GROUP,
        sender_id="67890",
        sender_name="Ben",
        sent_at=at(1718000060),
        kind="text",
        text="hey @Brewbot and @Cleo, is the oat latte back?",
        mentions=("24680",),
        addressed=True,
    )


def test_a_command_addresses_the_bot() -> None:
    item = parse_one(payload("command.json"))
    assert isinstance(item, Inbound)
    assert (item.event_id, item.kind, item.text, item.addressed) == (
        "171800012012347",
        "text",
        "!price flat white",
        True,
    )


def test_an_image_without_text_is_an_attachment_message() -> None:
    assert parse_one(payload("image.json")) == Inbound(
        platform=Platform.GROUPME,
        event_id="171800018012348",
        platform_message_id="171800018012348",
        conversation_key=GROUP,
        group_id=GROUP,
        sender_id="12345",
        sender_name="Ana",
        sent_at=at(1718000180),
        kind="attachment",
        text=None,
        attachments=(Attachment(kind="image", url="https://i.groupme.com/1024x768.jpeg.abc123"),),
        addressed=False,
    )


def test_a_shared_location_without_text_is_a_location_message() -> None:
    assert parse_one(payload("location.json")) == Inbound(
        platform=Platform.GROUPME,
        event_id="171800024012349",
        platform_message_id="171800024012349",
        conversation_key=GROUP,
        group_id=GROUP,
        sender_id="67890",
        sender_name="Ben",
        sent_at=at(1718000240),
        kind="location",
        text=None,
        location=Location(latitude=40.738206, longitude=-73.993285, name="Union Square"),
        addressed=False,
    )


def test_a_location_with_text_stays_a_text_message_carrying_the_location() -> None:
    item = parse_one(changed("location.json", text="meet here?"))
    assert isinstance(item, Inbound)
    assert item.kind == "text"
    assert item.location == Location(latitude=40.738206, longitude=-73.993285, name="Union Square")


def test_a_reply_names_the_message_it_answers_and_a_bare_bot_name_addresses_it() -> None:
    item = parse_one(payload("reply.json"))
    assert isinstance(item, Inbound)
    assert (item.event_id, item.reply_to, item.text, item.addressed) == (
        "171800030012350",
        "171800000012345",
        "same question, brewbot",
        True,
    )


def test_video_and_file_attachments_are_kept() -> None:
    attachments = [
        {"type": "video", "url": "https://v.groupme.com/clip.mp4", "preview_url": "https://i.groupme.com/p"},
        {"type": "file", "file_id": "file-77"},
        {"type": "emoji", "placeholder": "x", "charmap": [[1, 42]]},
    ]
    item = parse_one(changed("image.json", attachments=attachments))
    assert isinstance(item, Inbound)
    assert item.kind == "attachment"
    assert item.attachments == (
        Attachment(kind="video", url="https://v.groupme.com/clip.mp4"),
        Attachment(kind="file", media_id="file-77"),
    )


def test_the_bots_own_post_is_unhandled_so_it_is_stored_but_never_answered() -> None:
    assert parse_one(payload("bot_echo.json")) == Unhandled(
        platform=Platform.GROUPME,
        event_id="171800036012351",
        conversation_key=GROUP,
        description="GroupMe post by bot 880011; never answered",
        occurred_at=at(1718000360),
    )


def test_a_system_message_is_unhandled() -> None:
    item = parse_one(payload("system.json"))
    assert isinstance(item, Unhandled)
    assert (item.event_id, item.conversation_key, item.occurred_at) == (
        "171800042012352",
        GROUP,
        at(1718000420),
    )
    assert "system message" in item.description


def test_a_system_flag_wins_even_when_the_sender_type_says_user() -> None:
    item = parse_one(changed("system.json", sender_type="user"))
    assert isinstance(item, Unhandled)


# --- Which group a callback may speak for ----------------------------------------------------------------


def test_a_message_from_another_group_is_rejected_as_not_this_channels() -> None:
    with pytest.raises(SignatureMismatch, match=r"group_id '9999' is not this channel's group") as caught:
        parse_one(payload("wrong_group.json"))
    assert caught.value.status == 401


def test_a_channel_bound_to_no_group_accepts_nothing() -> None:
    unbound = ChannelRef(external_id=BOT_ID, group_id=None, settings={"bot_name": "Brewbot"})
    with pytest.raises(SignatureMismatch, match="not bound"):
        parse_one(payload("user_text.json"), unbound)


# --- Malformed bodies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed_not_json.txt", "not valid JSON"),
        ("malformed_array.json", "not a JSON list"),
        ("malformed_missing_group_id.json", "'group_id' is missing"),
        ("malformed_created_at_string.json", "'created_at' must be an integer"),
    ],
)
def test_malformed_fixtures_are_rejected_naming_what_is_wrong(name: str, expected: str) -> None:
    with pytest.raises(MalformedRequest, match=expected) as caught:
        parse_one(payload(name))
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"id": 171800000012345}, "'id' must be a string"),
        ({"id": None}, "'id' is missing"),
        ({"sender_id": None}, "'sender_id' is missing"),
        ({"sender_type": 1}, "'sender_type' must be a string"),
        ({"system": "false"}, "'system' must be a boolean"),
        ({"created_at": True}, "'created_at' must be an integer"),
        ({"created_at": 10**20}, "'created_at' .* is not a valid epoch time"),
        ({"text": ["hi"]}, "'text' must be a string"),
        ({"name": 5}, "'name' must be a string"),
        ({"attachments": {"type": "image"}}, "'attachments' must be a list"),
        ({"attachments": ["image"]}, r"'attachments\[0\]' must be an object"),
        ({"attachments": [{"url": "https://i.groupme.com/x"}]}, r"'attachments\[0\].type' must be a string"),
        ({"attachments": [{"type": "image"}]}, r"'attachments\[0\]' \(image\) needs a 'url'"),
        (
            {"attachments": [{"type": "location", "lat": "north", "lng": "1"}]},
            r"'attachments\[0\].lat' must be a number",
        ),
        ({"attachments": [{"type": "reply"}]}, r"'attachments\[0\].reply_id' is missing"),
        (
            {"attachments": [{"type": "mentions", "user_ids": [1, 2]}]},
            r"'attachments\[0\].user_ids' must be a list of strings",
        ),
    ],
)
def test_ill_typed_fields_are_rejected_naming_the_field(fields: dict[str, Any], expected: str) -> None:
    with pytest.raises(MalformedRequest, match=expected):
        parse_one(changed("user_text.json", **fields))


def test_optional_fields_may_be_missing() -> None:
    data = json.loads(payload("user_text.json"))
    for key in ("text", "name", "source_guid", "attachments", "avatar_url", "user_id"):
        del data[key]
    item = parse_one(json.dumps(data).encode())
    assert isinstance(item, Inbound)
    assert (item.text, item.sender_name, item.attachments, item.kind) == (None, None, (), "unsupported")


# --- Whether the bot answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "text", "addressed"),
    [
        ({"answer_mode": "all"}, "lovely weather", True),
        ({"answer_mode": "all"}, None, True),
        ({"answer_mode": "prefix"}, "!menu", True),
        ({"answer_mode": "prefix"}, "  !menu", True),
        ({"answer_mode": "prefix", "bot_name": "Brewbot"}, "hey Brewbot, menu?", False),
        ({"answer_mode": "prefix", "command_prefix": "/"}, "/menu", True),
        ({"answer_mode": "prefix", "command_prefix": "/"}, "!menu", False),
        ({"answer_mode": "prefix", "command_prefix": ""}, "menu", False),
        ({"answer_mode": "prefix"}, None, False),
        ({"bot_name": "Brewbot"}, "brewbot, are you open?", True),
        ({"bot_name": "Brewbot"}, "ask @BREWBOT", True),
        ({"bot_name": "Brewbot"}, "is Brewbot!", True),
        ({"bot_name": "Brewbot"}, "Brewbots are everywhere", False),
        ({"bot_name": "Brewbot"}, "mybrewbot is down", False),
        ({"bot_name": "Brewbot"}, "write to ops@brewbot", False),
        ({"bot_name": "Brewbot"}, "lovely weather", False),
        ({"bot_name": "Brewbot"}, "!price", True),
        ({"bot_name": "Brewbot"}, None, False),
        ({"bot_name": "Brew Bot"}, "hey @brew bot: menu", True),
        ({"bot_name": "C++ Bot"}, "hi c++ bot", True),
        ({"answer_mode": "mention", "bot_name": ""}, "hi Brewbot", False),
        ({"answer_mode": "mention", "bot_name": ""}, "!price", True),
        ({"answer_mode": "mention"}, "!price", True),
        ({"answer_mode": "mention", "bot_name": "Brewbot", "command_prefix": "#"}, "#price", True),
        ({"answer_mode": "mention", "bot_name": "Brewbot", "command_prefix": "#"}, "!price", False),
        ({"answer_mode": "sometimes", "bot_name": "Brewbot"}, "hi brewbot", True),
        ({"answer_mode": "sometimes", "bot_name": "Brewbot"}, "lovely weather", False),
    ],
)
def test_who_the_bot_answers_follows_the_channels_answer_mode(
    settings: Mapping[str, Any], text: str | None, addressed: bool
) -> None:
    channel = ChannelRef(external_id=BOT_ID, group_id=GROUP, settings=settings)
    item = parse_one(message_saying(text), channel)
    assert isinstance(item, Inbound)
    assert item.addressed is addressed


def test_there_is_no_handshake_and_no_signature_to_check() -> None:
    adapter = PARSER
    with pytest.raises(HandshakeRejected, match="does not use a subscription handshake"):
        adapter.handshake({"hub.mode": "subscribe", "hub.challenge": "1"}, {})
    # Raises nothing: the channel key in the callback URL already authenticated the request.
    adapter.authenticate({}, b"anything", {})
    assert (adapter.platform, adapter.max_text_length) == (Platform.GROUPME, 1000)


# --- Sending through the fake API ------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeGroupMe]:
    async with FakeGroupMe(bot_ids={BOT_ID: GROUP}) as server:
        yield server


@pytest.fixture
async def adapter(fake: FakeGroupMe) -> AsyncIterator[GroupMeAdapter]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield GroupMeAdapter(client, fake.base_url + "/")


def outbound(text: str = "We open at 9 on Sundays.", **fields: Any) -> Outbound:
    values: dict[str, Any] = {"recipient_id": GROUP, "group_id": GROUP, "dedupe_key": "m42-0"}
    values["from_id"] = BOT_ID
    values.update(fields)
    return Outbound(text=text, **values)


async def test_a_reply_is_posted_as_the_bot_with_a_stable_source_guid(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    result = await adapter.send({}, outbound())
    assert result == SendResult(("groupme-m42-0",))
    assert fake.posts == [{"bot_id": BOT_ID, "text": "We open at 9 on Sundays.", "source_guid": "m42-0"}]
    assert [(r.path, r.headers["Content-Type"]) for r in fake.requests] == [
        ("/bots/post", "application/json")
    ]


async def test_choices_become_a_numbered_list_after_the_text(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    await adapter.send({}, outbound("Which size?", choices=("Small", "Large", "Huge")))
    assert [p["text"] for p in fake.posts] == ["Which size?\n\n1. Small\n2. Large\n3. Huge"]


async def test_choices_alone_are_posted_as_the_numbered_list(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    await adapter.send({}, outbound("", choices=("Yes", "No")))
    assert [p["text"] for p in fake.posts] == ["1. Yes\n2. No"]


async def test_choices_that_do_not_fit_after_a_full_part_follow_in_their_own_post(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    text = "x" * 995
    result = await adapter.send({}, outbound(text, choices=("Small", "Large")))
    assert [(p["text"], p["source_guid"]) for p in fake.posts] == [
        (text, "m42-0"),
        ("1. Small\n2. Large", "m42-0-choices"),
    ]
    assert result == SendResult(("groupme-m42-0", "groupme-m42-0-choices"))


async def test_resending_the_same_message_does_not_post_it_twice(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    first = await adapter.send({}, outbound())
    again = await adapter.send({}, outbound())
    assert first == again == SendResult(("groupme-m42-0",))
    assert len(fake.requests) == 2
    assert len(fake.posts) == 1


@pytest.mark.parametrize("status", [200, 201, 202, 204])
async def test_any_2xx_counts_as_sent(status: int) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status))
    async with httpx.AsyncClient(transport=transport) as client:
        result = await GroupMeAdapter(client, "https://api.groupme.com/v3").send({}, outbound())
    assert result == SendResult(("groupme-m42-0",))


async def test_the_post_goes_to_bots_post_under_the_api_base() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(202)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        await GroupMeAdapter(client, "https://api.groupme.com/v3").send({}, outbound())
    assert seen == ["https://api.groupme.com/v3/bots/post"]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_server_error_is_retryable_and_the_retry_goes_through_once(
    fake: FakeGroupMe, adapter: GroupMeAdapter, status: int
) -> None:
    fake.fail_next(status=status)
    with pytest.raises(RetryableSendFailure) as caught:
        await adapter.send({}, outbound())
    assert (caught.value.code, caught.value.retry_after) == (str(status), None)
    assert fake.posts == []
    assert await adapter.send({}, outbound()) == SendResult(("groupme-m42-0",))
    assert len(fake.posts) == 1


async def test_a_rate_limit_honours_retry_after_seconds(fake: FakeGroupMe, adapter: GroupMeAdapter) -> None:
    fake.fail_next(status=429, retry_after=3)
    with pytest.raises(RetryableSendFailure) as caught:
        await adapter.send({}, outbound())
    assert (caught.value.code, caught.value.retry_after) == ("429", 3.0)


async def test_a_retry_after_date_becomes_the_seconds_until_then(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    fake.fail_next(status=503, retry_after=format_datetime(datetime.now(UTC) + timedelta(seconds=120), True))
    with pytest.raises(RetryableSendFailure) as caught:
        await adapter.send({}, outbound())
    assert caught.value.retry_after is not None
    assert 100 <= caught.value.retry_after <= 120


async def test_an_unknown_bot_id_fails_permanently_as_bad_credentials(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    with pytest.raises(PermanentSendFailure, match="not found") as caught:
        await adapter.send({}, outbound(from_id="deleted-bot"))
    assert (caught.value.code, caught.value.credentials_invalid) == ("404", True)
    assert fake.posts == []


@pytest.mark.parametrize("status", [401, 403])
async def test_unauthorised_and_forbidden_mean_bad_credentials(
    fake: FakeGroupMe, adapter: GroupMeAdapter, status: int
) -> None:
    fake.fail_next(status=status)
    with pytest.raises(PermanentSendFailure) as caught:
        await adapter.send({}, outbound())
    assert (caught.value.code, caught.value.credentials_invalid) == (str(status), True)


async def test_a_rejected_body_fails_permanently_with_groupmes_reason(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    with pytest.raises(PermanentSendFailure, match="text is required") as caught:
        await adapter.send({}, outbound(""))
    assert (caught.value.code, caught.value.credentials_invalid) == ("400", False)


async def test_over_long_text_is_refused_before_any_request(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    with pytest.raises(ValueError, match="1000"):
        await adapter.send({}, outbound("x" * 1001))
    assert fake.requests == []


async def test_exactly_1000_characters_go_out(fake: FakeGroupMe, adapter: GroupMeAdapter) -> None:
    await adapter.send({}, outbound("x" * 1000))
    assert [len(p["text"]) for p in fake.posts] == [1000]


async def test_a_message_without_a_bot_id_fails_permanently_before_any_request(
    fake: FakeGroupMe, adapter: GroupMeAdapter
) -> None:
    with pytest.raises(PermanentSendFailure) as caught:
        await adapter.send({}, outbound(from_id=""))
    assert caught.value.credentials_invalid is True
    assert fake.requests == []


async def test_an_unreachable_api_is_a_retryable_transport_failure() -> None:
    fake = FakeGroupMe(bot_ids={BOT_ID: GROUP})
    base_url = await fake.start()
    await fake.close()
    async with httpx.AsyncClient(timeout=5) as client:
        with pytest.raises(RetryableSendFailure) as caught:
            await GroupMeAdapter(client, base_url).send({}, outbound())
    assert caught.value.code == "transport"


async def test_a_timeout_is_a_retryable_transport_failure() -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(time_out)) as client:
        with pytest.raises(RetryableSendFailure, match="ReadTimeout") as caught:
            await GroupMeAdapter(client, "https://api.groupme.com/v3").send({}, outbound())
    assert caught.value.code == "transport"
