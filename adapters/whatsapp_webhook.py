"""WhatsApp webhook bodies: entries and changes read into Inbound, status and Unhandled items."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from adapters import meta
from adapters.base import (
    Attachment,
    ChannelRef,
    Inbound,
    InboundItem,
    Location,
    MalformedRequest,
    Platform,
    Referral,
    StatusUpdate,
    Unhandled,
)
from adapters.meta import require_object, require_string

WEBHOOK_OBJECT = "whatsapp_business_account"
MESSAGES_FIELD = "messages"
MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
INTERACTIVE_REPLIES = frozenset({"button_reply", "list_reply"})
DELIVERY_STATUSES = frozenset({"sent", "delivered", "read", "failed"})
REFERRAL_CONTEXT_KEYS = ("body", "media_type", "image_url", "video_url", "thumbnail_url")


def parse_whatsapp_body(
    body: bytes, channel: ChannelRef, *, clock: Callable[[], datetime]
) -> list[InboundItem]:
    """Every message, status and error of every change of every entry, in payload order."""
    data = meta.load_json_object(body, WEBHOOK_OBJECT)
    items: list[InboundItem] = []
    for entry_index, raw_entry in enumerate(data["entry"]):
        where = f"entry[{entry_index}]"
        entry = require_object(raw_entry, where)
        entry_id = require_string(entry, "id", where)
        # Entries for non-message fields carry a time; message and status items carry their own.
        entry_time = _lenient_epoch(entry.get("time"))
        for change_index, raw_change in enumerate(_list(entry, "changes", where)):
            change_where = f"{where}.changes[{change_index}]"
            change = require_object(raw_change, change_where)
            field = require_string(change, "field", change_where)
            if field == MESSAGES_FIELD:
                value = require_object(change.get("value"), f"{change_where}.value")
                items.extend(_messages_value(value, f"{change_where}.value", channel, entry_time, clock))
            else:
                items.append(
                    _unhandled_change(field, entry_id, entry.get("time"), change.get("value"), clock)
                )
    return items


def _messages_value(
    value: dict[str, Any],
    where: str,
    channel: ChannelRef,
    entry_time: datetime | None,
    clock: Callable[[], datetime],
) -> list[InboundItem]:
    metadata = require_object(value.get("metadata"), f"{where}.metadata")
    phone_number_id = require_string(metadata, "phone_number_id", f"{where}.metadata")
    if phone_number_id != channel.external_id:
        # A webhook for another number must never be stored under this channel's tenant.
        raise MalformedRequest(
            f"{where}.metadata.phone_number_id {phone_number_id!r} is not this channel's "
            f"phone number id {channel.external_id!r}"
        )
    names = _contact_names(value.get("contacts"))
    items: list[InboundItem] = []
    for index, raw in enumerate(_list(value, "messages", where)):
        items.append(_message(raw, f"{where}.messages[{index}]", names))
    for index, raw in enumerate(_list(value, "statuses", where)):
        items.append(_status(raw, f"{where}.statuses[{index}]"))
    for raw in _list(value, "errors", where):
        # Error objects carry no id or time: identical errors within one delivery collapse into one.
        code, message = _error_details(raw)
        items.append(
            Unhandled(
                platform=Platform.WHATSAPP,
                event_id=f"error:{phone_number_id}:{code}:{_digest(raw)}",
                conversation_key=phone_number_id,
                description=f"WhatsApp reported error {code}: {message}",
                occurred_at=entry_time or clock(),
            )
        )
    return items


def _unhandled_change(
    field: str, entry_id: str, entry_time: object, value: object, clock: Callable[[], datetime]
) -> Unhandled:
    # A digest of the content keeps a retried change a duplicate while two events of the same field
    # (a template approved, then paused) stay distinct; a bare position in the batch would collide.
    occurred_at = _lenient_epoch(entry_time)
    if occurred_at is None and isinstance(value, dict):
        occurred_at = _lenient_epoch(value.get("timestamp"))
    return Unhandled(
        platform=Platform.WHATSAPP,
        event_id=f"{field}:{entry_id}:{_digest({'time': entry_time, 'value': value})}",
        conversation_key=entry_id,
        description=f"WhatsApp change field {field!r} is not handled",
        occurred_at=occurred_at or clock(),
    )


# --- messages, statuses, contacts ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Content:
    kind: str
    text: str | None = None
    payload: str | None = None
    attachments: tuple[Attachment, ...] = ()
    location: Location | None = None
    reply_to: str | None = None


def _message(raw: object, where: str, names: Mapping[str, str]) -> Inbound:
    message = require_object(raw, where)
    sender = require_string(message, "from", where)
    message_id = require_string(message, "id", where)
    sent_at = _epoch(message, "timestamp", where)
    content = _content(message, require_string(message, "type", where), where)
    context = message.get("context")
    context_id = _optional_string(context, "id") if isinstance(context, dict) else None
    return Inbound(
        platform=Platform.WHATSAPP,
        event_id=message_id,
        conversation_key=sender,
        sender_id=sender,
        sent_at=sent_at,
        kind=content.kind,
        text=content.text,
        sender_name=names.get(sender),
        platform_message_id=message_id,
        payload=content.payload,
        attachments=content.attachments,
        location=content.location,
        referral=_referral(message.get("referral")),
        reply_to=content.reply_to or context_id,
        phone=e164(sender),
    )


def _content(message: dict[str, Any], message_type: str, where: str) -> _Content:
    part = message.get(message_type)
    part = part if isinstance(part, dict) else {}
    if message_type == "text":
        return _Content("text", text=_optional_string(part, "body"))
    if message_type == "interactive":
        reply_type = part.get("type")
        # Checked as a string first: a list or an object is not hashable, so not a set member.
        reply = part.get(reply_type) if isinstance(reply_type, str) else None
        if isinstance(reply_type, str) and reply_type in INTERACTIVE_REPLIES and isinstance(reply, dict):
            return _Content(
                "interactive", text=_optional_string(reply, "title"), payload=_optional_string(reply, "id")
            )
        return _Content("unsupported")
    if message_type == "button":
        return _Content(
            "button", text=_optional_string(part, "text"), payload=_optional_string(part, "payload")
        )
    if message_type in MEDIA_TYPES:
        caption = _optional_string(part, "caption")
        attachment = Attachment(
            kind=message_type,
            media_id=_optional_string(part, "id"),
            mime_type=_optional_string(part, "mime_type"),
            caption=caption,
        )
        return _Content("attachment", text=caption, attachments=(attachment,))
    if message_type == "location":
        location_where = f"{where}.location"
        spot = require_object(message.get("location"), location_where)
        location = Location(
            latitude=_number(spot, "latitude", location_where),
            longitude=_number(spot, "longitude", location_where),
            name=_optional_string(spot, "name"),
            address=_optional_string(spot, "address"),
        )
        return _Content("location", location=location)
    if message_type == "reaction":
        return _Content(
            "reaction", payload=_optional_string(part, "emoji"), reply_to=_optional_string(part, "message_id")
        )
    return _Content("unsupported")


def _referral(raw: object) -> Referral | None:
    """Click-to-WhatsApp ad (or post) the customer tapped before writing."""
    if not isinstance(raw, dict):
        return None
    source_type = _optional_string(raw, "source_type")
    source_id = _optional_string(raw, "source_id")
    context = {key: value for key in REFERRAL_CONTEXT_KEYS if (value := _optional_string(raw, key))}
    return Referral(
        source=source_type if source_type in ("ad", "post") else "referral",
        ad_id=source_id if source_type == "ad" else None,
        post_id=source_id if source_type == "post" else None,
        headline=_optional_string(raw, "headline"),
        source_url=_optional_string(raw, "source_url"),
        source_type=source_type,
        ctwa_clid=_optional_string(raw, "ctwa_clid"),
        context=context,
    )


def _status(raw: object, where: str) -> StatusUpdate | Unhandled:
    status = require_object(raw, where)
    message_id = require_string(status, "id", where)
    state = require_string(status, "status", where)
    recipient = require_string(status, "recipient_id", where)
    occurred_at = _epoch(status, "timestamp", where)
    # WhatsApp may resend a status; the (message, status) pair is what makes it a duplicate.
    event_id = f"{message_id}:{state}"
    if state not in DELIVERY_STATUSES:
        return Unhandled(
            platform=Platform.WHATSAPP,
            event_id=event_id,
            conversation_key=recipient,
            description=f"WhatsApp status {state!r} for {message_id} is not handled",
            occurred_at=occurred_at,
        )
    errors = status.get("errors")
    error_code = error_message = None
    if isinstance(errors, list) and errors:
        error_code, error_message = _error_details(errors[0])
    return StatusUpdate(
        platform=Platform.WHATSAPP,
        event_id=event_id,
        conversation_key=recipient,
        status=state,
        occurred_at=occurred_at,
        platform_message_id=message_id,
        error_code=error_code,
        error_message=error_message,
        window_closed=meta.is_window_closed(error_code),
    )


def _error_details(raw: object) -> tuple[str, str]:
    """(code, "title: message: details") of a WhatsApp error object, skipping repeated parts."""
    error = raw if isinstance(raw, dict) else {}
    code = error.get("code")
    data = error.get("error_data")
    parts = [
        _optional_string(error, "title"),
        _optional_string(error, "message"),
        _optional_string(data, "details") if isinstance(data, dict) else None,
    ]
    unique = list(dict.fromkeys(part for part in parts if part))
    code_text = str(code) if isinstance(code, (int, str)) and not isinstance(code, bool) else "unknown"
    return code_text, ": ".join(unique) or "no description"


def _contact_names(raw: object) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in raw if isinstance(raw, list) else ():
        if not isinstance(contact, dict):
            continue
        profile = contact.get("profile")
        wa_id = _optional_string(contact, "wa_id")
        name = _optional_string(profile, "name") if isinstance(profile, dict) else None
        if wa_id and name:
            names[wa_id] = name
    return names


def e164(wa_id: str) -> str | None:
    """The E.164 form of a WhatsApp id, or None if it cannot be a phone number.

    "Possible" rather than "valid": a wa_id is a number WhatsApp has registered, and the library's
    range metadata lags behind newly allocated ranges.
    """
    try:
        number = phonenumbers.parse("+" + wa_id)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- field readers (require_object and require_string are shared with Messenger, in meta) --------------


def _list(container: dict[str, Any], key: str, where: str) -> list[Any]:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedRequest(f"{where}.{key} must be a list")
    return value


def _optional_string(container: dict[str, Any], key: str) -> str | None:
    value = container.get(key)
    return value if isinstance(value, str) and value else None


def _number(container: dict[str, Any], key: str, where: str) -> float:
    value = container.get(key)
    if value is None:
        raise MalformedRequest(f"{where}.{key} is missing")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MalformedRequest(f"{where}.{key} must be a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    # json.loads takes NaN and Infinity, which no JSON column (PostgreSQL's) stores.
    if not math.isfinite(number):
        raise MalformedRequest(f"{where}.{key} must be a finite number")
    return number


def _epoch(container: dict[str, Any], key: str, where: str) -> datetime:
    """WhatsApp timestamps are epoch seconds sent as a string."""
    value = container.get(key)
    if value is None:
        raise MalformedRequest(f"{where}.{key} is missing")
    moment = _lenient_epoch(value)
    if moment is None:
        raise MalformedRequest(f"{where}.{key} must be epoch seconds, got {value!r}")
    return moment


def _lenient_epoch(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return datetime.fromtimestamp(int(text), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _digest(value: object) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: a lone surrogate (JSON's "\ud800") has no UTF-8 form but must still digest.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:16]
