"""describe_error: the class and where our code raised it; a message only from our adapters' errors."""

from __future__ import annotations

import pytest

from adapters.base import PermanentSendFailure, split_text
from adapters.inbound_records import item_from_record
from bot.errors import MAX_MESSAGE_CHARS, describe_error
from storage.db import redacted


def raised(call: object) -> BaseException:
    with pytest.raises(Exception) as caught:
        call()  # type: ignore[operator]
    return caught.value


def test_an_error_raised_in_our_code_names_its_class_and_place_but_not_its_message() -> None:
    error = raised(lambda: split_text("Ringo's order: 2 scones", 0))
    described = describe_error(error)
    assert described.startswith("ValueError at adapters/base.py:")
    assert "limit" not in described


def test_an_error_from_a_library_is_placed_at_the_innermost_frame_of_our_code() -> None:
    error = raised(lambda: redacted("::not a url, password hunter2::"))  # SQLAlchemy's parser raises
    described = describe_error(error)
    assert described.startswith("ArgumentError at storage/db.py:")
    assert "parse" not in described


def test_an_adapter_error_keeps_its_message() -> None:
    error = raised(lambda: item_from_record({"type": "message", "platform": "carrier-pigeon"}))
    described = describe_error(error)
    assert described.startswith("MalformedRequest at adapters/inbound_records.py:")
    assert described.endswith("unreadable inbox record: 'carrier-pigeon' is not a valid Platform")


def test_an_error_outside_our_code_is_named_by_its_class_alone() -> None:
    def customer_code() -> None:
        raise KeyError("my card number is 4111 1111 1111 1111")

    assert describe_error(raised(customer_code)) == "KeyError"
    assert describe_error(RuntimeError("never raised, no place")) == "RuntimeError"


def test_a_long_adapter_message_is_shortened() -> None:
    described = describe_error(PermanentSendFailure("x" * 5000))
    assert len(described) < MAX_MESSAGE_CHARS + 40
    assert described.endswith("…")
