"""Inbound items as the durable inbox stores them: JSON-ready records, every string made storable.

``item_to_record`` is the one door every inbound item passes on its way to storage: the webhooks of all
three platforms and the terminal chat's console items alike. The turn reads the item back from the stored
record, so the cleaning done here covers everything downstream: text, names, ids, payloads, referral fields.
NUL and lone surrogates become U+FFFD (PostgreSQL refuses NUL in text and JSON, and no UTF-8 encoder takes
a lone surrogate, while SQLite stores both), so a message reads the same on both databases.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.base import (
    Attachment,
    Inbound,
    InboundItem,
    Location,
    MalformedRequest,
    Platform,
    Referral,
    StatusUpdate,
    ThreadHandover,
    Unhandled,
)

# No platform's ids come near these lengths, and the inbox and message tables hold no longer ones: such an
# id is refused at the door (400) rather than failing its insert (503, which the platform retries for ever).
ID_LENGTH_LIMITS: Mapping[str, int] = {
    "event_id": 255,
    "platform_message_id": 255,
    "conversation_key": 128,
    "sender_id": 128,
    "group_id": 128,
}
# A referral's ad and post ids go to columns of this width (messages, campaigns): refused the same way.
REFERRAL_ID_LIMIT = 128
REPLACEMENT_CHARACTER = "\ufffd"
# NUL, and any surrogate code point (JSON's "\ud800" escape decodes to a lone one).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def item_to_record(item: InboundItem) -> dict[str, Any]:
    """Serialise an inbound item to JSON-ready data for the durable inbox, every string made storable.

    Raises MalformedRequest for an id longer than any platform's (see ``ID_LENGTH_LIMITS`` and
    ``REFERRAL_ID_LIMIT``).
    """
    data = dataclasses.asdict(item)
    data["type"] = _RECORD_TYPES[type(item)]
    data["platform"] = item.platform.value
    for key in ("sent_at", "occurred_at", "watermark"):
        if isinstance(data.get(key), datetime):
            data[key] = data[key].isoformat()
    cleaned: dict[str, Any] = _storable(data)
    for key, limit in ID_LENGTH_LIMITS.items():
        value = cleaned.get(key)
        if isinstance(value, str) and len(value) > limit:
            raise MalformedRequest(f"{key} is longer than {limit} characters")
    referral = cleaned.get("referral")
    for key in ("ad_id", "post_id"):
        value = referral.get(key) if isinstance(referral, dict) else None
        if isinstance(value, str) and len(value) > REFERRAL_ID_LIMIT:
            raise MalformedRequest(f"referral.{key} is longer than {REFERRAL_ID_LIMIT} characters")
    return cleaned


def item_from_record(data: Mapping[str, Any]) -> InboundItem:
    """Inverse of :func:`item_to_record`; raises ``MalformedRequest`` on a record it cannot read."""
    fields = dict(data)
    kind = fields.pop("type", "message")
    try:
        fields["platform"] = Platform(fields["platform"])
        for key in ("sent_at", "occurred_at", "watermark"):
            if isinstance(fields.get(key), str):
                fields[key] = datetime.fromisoformat(fields[key])
        if kind == "status":
            return StatusUpdate(**fields)
        if kind == "unhandled":
            return Unhandled(**fields)
        if kind == "handover":
            return ThreadHandover(**fields)
        fields["attachments"] = tuple(Attachment(**a) for a in fields.get("attachments", ()))
        fields["mentions"] = tuple(fields.get("mentions", ()))
        if fields.get("location") is not None:
            fields["location"] = Location(**fields["location"])
        if fields.get("referral") is not None:
            fields["referral"] = Referral(**fields["referral"])
        return Inbound(**fields)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedRequest(f"unreadable inbox record: {exc}") from exc


_RECORD_TYPES: dict[type, str] = {
    Inbound: "message",
    StatusUpdate: "status",
    Unhandled: "unhandled",
    ThreadHandover: "handover",
}


def storable_text(text: str) -> str:
    """``text`` with NUL and lone surrogates replaced by U+FFFD; a surrogate pair becomes its character."""
    if _UNSTORABLE.search(text) is None:
        return text
    # UTF-16 round trip: a valid high-low pair joins into one character, a lone half becomes U+FFFD.
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return joined.replace("\x00", REPLACEMENT_CHARACTER)


def _storable(value: Any) -> Any:
    """Every string in ``value`` (JSON-ready data from ``dataclasses.asdict``), keys included, cleaned."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_storable(item) for item in value)
    return value
