"""Platform-neutral items every adapter produces or consumes, the adapter protocol and its errors.

Error tree::

    AdapterError
    ├── RequestRejected            an inbound request we refuse (carries the HTTP status)
    │   ├── MalformedRequest       400
    │   ├── SignatureMismatch      401
    │   └── PayloadTooLarge        413
    └── SendFailed                 an outbound call that did not deliver
        ├── RetryableSendFailure   try again later (retry_after seconds if the platform said)
        └── PermanentSendFailure   never retry (window_closed / bad credentials flags)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class Platform(StrEnum):
    MESSENGER = "messenger"
    WHATSAPP = "whatsapp"
    GROUPME = "groupme"
    CONSOLE = "console"


class AdapterError(Exception):
    """Base of every error an adapter raises."""


class RequestRejected(AdapterError):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedRequest(RequestRejected):
    status = 400


class SignatureMismatch(RequestRejected):
    status = 401


class PayloadTooLarge(RequestRejected):
    status = 413


class SendFailed(AdapterError):
    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class RetryableSendFailure(SendFailed):
    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentSendFailure(SendFailed):
    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        window_closed: bool = False,
        credentials_invalid: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.window_closed = window_closed
        self.credentials_invalid = credentials_invalid


@dataclass(frozen=True)
class Attachment:
    kind: str
    url: str | None = None
    media_id: str | None = None
    mime_type: str | None = None
    caption: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One message a customer sent, normalised.

    ``event_id`` is the platform's id for the event and, with the channel, the dedupe key.
    ``conversation_key`` names who the conversation is with (a user id, or a group id in groups);
    the inbox orders events by it.
    """

    platform: Platform
    event_id: str
    conversation_key: str
    sender_id: str
    sent_at: datetime
    kind: str = "text"
    text: str | None = None
    sender_name: str | None = None
    platform_message_id: str | None = None
    payload: str | None = None
    group_id: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class StatusUpdate:
    """The platform's word on a message we sent: sent / delivered / read / failed."""

    platform: Platform
    event_id: str
    conversation_key: str
    platform_message_id: str
    status: str
    occurred_at: datetime
    error_code: str | None = None
    error_message: str | None = None


InboundItem = Inbound | StatusUpdate


@dataclass(frozen=True)
class Outbound:
    """One message to send. ``dedupe_key`` is stable across resends (GroupMe ``source_guid``)."""

    recipient_id: str
    text: str
    dedupe_key: str
    choices: tuple[str, ...] = ()
    reply_to: str | None = None
    group_id: str | None = None


@dataclass(frozen=True)
class SendResult:
    platform_message_ids: tuple[str, ...] = field(default_factory=tuple)


class Adapter(Protocol):
    """What the outbox needs from a platform."""

    platform: Platform
    max_text_length: int

    async def send(self, credentials: Mapping[str, str], outbound: Outbound) -> SendResult: ...


def item_to_record(item: InboundItem) -> dict[str, Any]:
    """Serialise an inbound item to JSON-ready data for the durable inbox."""
    data = dataclasses.asdict(item)
    data["type"] = "status" if isinstance(item, StatusUpdate) else "message"
    data["platform"] = item.platform.value
    for key in ("sent_at", "occurred_at"):
        if key in data:
            data[key] = data[key].isoformat()
    return data


def item_from_record(data: Mapping[str, Any]) -> InboundItem:
    """Inverse of :func:`item_to_record`; raises ``MalformedRequest`` on a record it cannot read."""
    fields = dict(data)
    kind = fields.pop("type", "message")
    try:
        fields["platform"] = Platform(fields["platform"])
        if kind == "status":
            fields["occurred_at"] = datetime.fromisoformat(fields["occurred_at"])
            return StatusUpdate(**fields)
        fields["sent_at"] = datetime.fromisoformat(fields["sent_at"])
        fields["attachments"] = tuple(Attachment(**a) for a in fields.get("attachments", ()))
        return Inbound(**fields)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedRequest(f"unreadable inbox record: {exc}") from exc


def split_text(text: str, limit: int) -> list[str]:
    """Split text into parts of at most ``limit`` characters, on word boundaries where there are any.

    Paragraph and line breaks are preferred cut points; a single word longer than the limit is cut hard.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts
