"""Platform-neutral items every adapter produces or consumes, the adapter protocol and its errors.

Error tree::

    AdapterError
    ├── RequestRejected            an inbound request we refuse (carries the HTTP status)
    │   ├── MalformedRequest       400
    │   ├── SignatureMismatch      401
    │   ├── HandshakeRejected      403
    │   └── PayloadTooLarge        413
    └── SendFailed                 an outbound call that did not deliver
        ├── RetryableSendFailure   try again later (retry_after seconds if the platform said)
        └── PermanentSendFailure   never retry (window_closed / bad credentials flags)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

import httpx


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


class HandshakeRejected(RequestRejected):
    status = 403


class PayloadTooLarge(RequestRejected):
    status = 413


class SendFailed(AdapterError):
    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class RetryableSendFailure(SendFailed):
    """Worth another try; ``maybe_delivered`` when the request went out and its answer was lost."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
        self.maybe_delivered = maybe_delivered


def transport_failure(exc: httpx.HTTPError) -> RetryableSendFailure:
    """Timeouts and connection errors: retry. Unless the request never left (no connection), the
    platform may have the message already (``maybe_delivered``)."""
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return RetryableSendFailure(type(exc).__name__, code="transport", maybe_delivered=not never_sent)


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
class Location:
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Referral:
    """Where a conversation came from. ``source`` is the message source: ad / post / referral."""

    source: str
    ref: str | None = None
    ad_id: str | None = None
    post_id: str | None = None
    headline: str | None = None
    source_url: str | None = None
    source_type: str | None = None
    ctwa_clid: str | None = None
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Inbound:
    """One message a customer (or, for echoes, the business) sent, normalised.

    ``event_id`` is the platform's id for the event and, with the channel, the dedupe key.
    ``conversation_key`` names who the conversation is with (a user id, or a group id in groups);
    the inbox orders events by it. ``kind`` is one of text, quick_reply, postback, attachment,
    location, reaction, interactive, button, referral, unsupported.
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
    location: Location | None = None
    referral: Referral | None = None
    reply_to: str | None = None
    phone: str | None = None
    mentions: tuple[str, ...] = ()
    # Sent by the business, not the customer (Messenger echoes): never answered, recorded if a human wrote it.
    is_echo: bool = False
    echo_app_id: str | None = None
    # Arrived while another app owns the thread (Meta standby): recorded, never answered.
    standby: bool = False
    # GroupMe: the bot was addressed (name mentioned / command prefix); adapters leave it False elsewhere.
    addressed: bool = False


@dataclass(frozen=True)
class StatusUpdate:
    """The platform's word on messages we sent: sent / delivered / read / failed.

    Either one message (``platform_message_id``) or, for Messenger watermarks, every message to
    ``conversation_key`` sent at or before ``watermark``.
    """

    platform: Platform
    event_id: str
    conversation_key: str
    status: str
    occurred_at: datetime
    platform_message_id: str | None = None
    watermark: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    # A failure because the messaging window had closed (the adapter knows its platform's codes).
    window_closed: bool = False


@dataclass(frozen=True)
class Unhandled:
    """A well-formed event we do not act on (handover, unknown field), kept so the platform stops retrying."""

    platform: Platform
    event_id: str
    conversation_key: str
    description: str
    occurred_at: datetime


@dataclass(frozen=True)
class ThreadHandover:
    """Messenger's Handover Protocol told us the thread changed hands (``pass`` or ``take``)."""

    platform: Platform
    event_id: str
    conversation_key: str
    action: str
    new_owner_app_id: str | None
    previous_owner_app_id: str | None
    occurred_at: datetime


InboundItem = Inbound | StatusUpdate | Unhandled | ThreadHandover


@dataclass(frozen=True)
class ChannelRef:
    """What an adapter may know about the channel a webhook arrived on (no secrets)."""

    external_id: str
    group_id: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateRef:
    """A WhatsApp message template (the only thing WhatsApp lets a business send outside the window)."""

    name: str
    language: str = "en_US"


@dataclass(frozen=True)
class ThreadControl:
    """Pass the thread to another app (``target_app_id``, e.g. the Page Inbox) or take it back."""

    action: Literal["pass", "take"]
    target_app_id: str | None = None
    metadata: str | None = None


@dataclass(frozen=True)
class Outbound:
    """One message to send. ``dedupe_key`` is stable across resends (GroupMe ``source_guid``).

    ``from_id`` is the channel's platform id (page id, phone number id, GroupMe bot id).
    ``tag`` is a Messenger message tag (HUMAN_AGENT); ``template`` replaces the text on WhatsApp.
    """

    recipient_id: str
    text: str
    dedupe_key: str
    from_id: str = ""
    choices: tuple[str, ...] = ()
    reply_to: str | None = None
    group_id: str | None = None
    tag: str | None = None
    template: TemplateRef | None = None
    preview_url: bool = False
    # Not a message: a Messenger Handover Protocol call for ``recipient_id`` (``text`` is not sent).
    thread_control: ThreadControl | None = None


@dataclass(frozen=True)
class SendResult:
    platform_message_ids: tuple[str, ...] = field(default_factory=tuple)


class Adapter(Protocol):
    """What the outbox needs from a platform."""

    platform: Platform
    max_text_length: int

    async def send(self, credentials: Mapping[str, str], outbound: Outbound) -> SendResult: ...


class WebhookAdapter(Protocol):
    """What the webhook endpoint needs from a platform: verify a request, parse every item of it."""

    platform: Platform

    def handshake(self, query: Mapping[str, str], credentials: Mapping[str, str]) -> str:
        """The challenge to echo for a subscription check; raises HandshakeRejected."""
        ...

    def authenticate(self, headers: Mapping[str, str], body: bytes, credentials: Mapping[str, str]) -> None:
        """Raise SignatureMismatch unless the request provably comes from the platform."""
        ...

    def parse(self, body: bytes, channel: ChannelRef) -> list[InboundItem]:
        """Every item of the body, in order; raises MalformedRequest naming what is wrong."""
        ...


class Acknowledger(Protocol):
    """Optional: tell the customer we saw their message (and are typing); best effort, never retried."""

    async def acknowledge(
        self, credentials: Mapping[str, str], from_id: str, inbound: Inbound, *, typing: bool = True
    ) -> None:
        """Mark the message seen and, with ``typing``, show the typing indicator."""
        ...


# Platform payloads nest about ten levels deep. A limit far below the interpreter's recursion limit means
# that no later json.dumps of a part of a body (event digests, referral context) can recurse too deeply.
MAX_JSON_DEPTH = 64


def load_json(body: bytes) -> Any:
    """A webhook body parsed as JSON; raises MalformedRequest for anything else, deep nesting included.

    ``json.loads`` raises RecursionError, not ValueError, on a body such as ``b"[" * 100000``.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise MalformedRequest(f"body is nested more than {MAX_JSON_DEPTH} levels deep") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise MalformedRequest(f"body is nested more than {MAX_JSON_DEPTH} levels deep")
    return data


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0), walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level) for child in item)
    return deepest


def numbered_choices(choices: Sequence[str]) -> str:
    """Choices as plain text (``1. A\n2. B``) where a platform has no buttons; customers answer by number."""
    return "\n".join(f"{number}. {choice}" for number, choice in enumerate(choices, start=1))


def with_numbered_choices(text: str, choices: Sequence[str]) -> str:
    """The text followed by a blank line and the numbered choices (the text alone when there are none)."""
    if not choices:
        return text
    numbered = numbered_choices(choices)
    return f"{text}\n\n{numbered}" if text else numbered


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
