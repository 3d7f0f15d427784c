"""Inbox records: every string storable on both databases, ids of sane length; bodies of sane depth."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import (
    MAX_JSON_DEPTH,
    Attachment,
    Inbound,
    MalformedRequest,
    Platform,
    Referral,
    load_json,
)
from adapters.inbound_records import item_from_record, item_to_record, storable_text

NOW = datetime(2024, 6, 12, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("plain text stays as it is", "plain text stays as it is"),
        ("a\x00b", "a\ufffdb"),
        ("lone \ud800 high", "lone \ufffd high"),
        ("lone \udc00 low", "lone \ufffd low"),
        ("reversed \udc00\ud800", "reversed \ufffd\ufffd"),
        ("a pair \ud83d\ude00 joins", "a pair \U0001f600 joins"),
        ("emoji \U0001f600 untouched", "emoji \U0001f600 untouched"),
    ],
)
def test_nul_and_lone_surrogates_become_the_replacement_character(text: str, stored: str) -> None:
    assert storable_text(text) == stored


@given(st.text(st.sampled_from("\x00\ud800\udfff") | st.characters(exclude_categories=())))
def test_any_text_becomes_utf8_without_nul_and_stays_so(text: str) -> None:
    stored = storable_text(text)
    assert "\x00" not in stored
    stored.encode("utf-8")  # raises on any surrogate left behind
    assert storable_text(stored) == stored


def odd_inbound(**fields: object) -> Inbound:
    values: dict[str, object] = {
        "platform": Platform.MESSENGER,
        "event_id": "m_1\x00",
        "conversation_key": "2000000001",
        "sender_id": "2000000001",
        "sent_at": NOW,
        "text": "hi\x00 \ud800",
        "sender_name": "Ana\ud800",
        "payload": "BUY\x00",
        "attachments": (Attachment(kind="image", caption="cap\ud800"),),
        "referral": Referral(source="ad", ref="r\x00", context={"k\ud800": "v\x00"}),
        **fields,
    }
    return Inbound(**values)  # type: ignore[arg-type]


def test_every_string_of_a_record_is_cleaned_and_the_item_reads_back() -> None:
    record = item_to_record(odd_inbound())
    stored = json.dumps(record, ensure_ascii=False).encode("utf-8")  # no lone surrogate is left anywhere
    assert b"\\u0000" not in json.dumps(record).encode()
    item = item_from_record(json.loads(stored))
    assert isinstance(item, Inbound)
    assert (item.event_id, item.text, item.sender_name, item.payload) == (
        "m_1\ufffd",
        "hi\ufffd \ufffd",
        "Ana\ufffd",
        "BUY\ufffd",
    )
    assert item.attachments[0].caption == "cap\ufffd"
    assert item.referral is not None
    assert item.referral.context == {"k\ufffd": "v\ufffd"}


@pytest.mark.parametrize(("field", "limit"), [("event_id", 255), ("sender_id", 128), ("group_id", 128)])
def test_an_id_longer_than_the_inbox_holds_is_malformed(field: str, limit: int) -> None:
    item_to_record(odd_inbound(**{field: "9" * limit}))
    with pytest.raises(MalformedRequest, match=f"{field} is longer than {limit}"):
        item_to_record(odd_inbound(**{field: "9" * (limit + 1)}))


@pytest.mark.parametrize("field", ["ad_id", "post_id"])
def test_a_referral_id_longer_than_its_column_is_malformed(field: str) -> None:
    # Stored in messages and campaigns: longer, a turn's insert would fail on PostgreSQL again and again.
    item_to_record(odd_inbound(referral=Referral(source="ad", **{field: "7" * 128})))
    with pytest.raises(MalformedRequest, match=f"referral.{field} is longer than 128"):
        item_to_record(odd_inbound(referral=Referral(source="ad", **{field: "7" * 129})))


def test_a_body_nested_up_to_the_limit_loads_and_one_level_more_is_malformed() -> None:
    assert load_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None
    assert load_json(b'{"a":' * MAX_JSON_DEPTH + b"1" + b"}" * MAX_JSON_DEPTH) is not None
    for body in (
        b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
        b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1),
        b"[" * 100_000,
    ):
        with pytest.raises(MalformedRequest, match="nested more than"):
            load_json(body)
