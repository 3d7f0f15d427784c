"""Messenger webhook bodies: Page entries and their events read into Inbound, status and Unhandled items."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters import meta
from adapters.base import (
    Attachment,
    ChannelRef,
    Inbound,
    InboundItem,
    MalformedRequest,
    Platform,
    Referral,
    StatusUpdate,
    ThreadHandover,
    Unhandled,
)
from adapters.meta import require_object, require_string

# Entry lists that carry events; standby ones arrive while another app owns the thread.
_EVENT_LISTS = (("messaging", False), ("standby", True))
# Handover Protocol events (messaging_handovers) and what they do to the thread.
_HANDOVERS = {"pass_thread_control": "pass", "take_thread_control": "take"}
# Keys every event shares; whatever other key an event has names its kind.
_ENVELOPE_KEYS = frozenset({"sender", "recipient", "timestamp"})
# The last millisecond of year 9999; also keeps NaN and Infinity (which json accepts) out.
_MAX_MILLIS = 253_402_300_799_999


def parse_messenger_body(body: bytes, channel: ChannelRef) -> list[InboundItem]:
    """Every event of every entry, in order; one bad event rejects the whole request."""
    data = meta.load_json_object(body, "page")
    items: list[InboundItem] = []
    for index, raw_entry in enumerate(data["entry"]):
        where = f"entry[{index}]"
        entry = require_object(raw_entry, where)
        page_id = require_string(entry, "id", where)
        if page_id != channel.external_id:
            raise MalformedRequest(
                f"{where}.id {page_id!r} is not this channel's page {channel.external_id!r}"
            )
        for list_name, standby in _EVENT_LISTS:
            events = entry.get(list_name)
            if events is None:
                continue
            if not isinstance(events, list):
                raise MalformedRequest(f"{where}.{list_name} must be a list")
            for position, event in enumerate(events):
                items.extend(_parse_event(event, f"{where}.{list_name}[{position}]", page_id, standby))
    return items


# -- event parsing -------------------------------------------------------------------------------------


def _parse_event(raw: object, where: str, page_id: str, standby: bool) -> list[InboundItem]:
    event = require_object(raw, where)
    timestamp_ms = _millis(event, "timestamp", where)
    at = _from_millis(timestamp_ms)
    kind = _event_kind(event)
    if kind == "message":
        return [_message_event(event, where, page_id, at, standby)]
    if kind in ("postback", "referral"):
        psid = _party(event, "sender", where)
        if kind == "postback":
            return [_postback(event, where, psid, timestamp_ms, at, standby)]
        return [
            Inbound(
                platform=Platform.MESSENGER,
                event_id=f"referral:{psid}:{timestamp_ms}",
                conversation_key=psid,
                sender_id=psid,
                sent_at=at,
                kind="referral",
                referral=_referral(event["referral"], f"{where}.referral"),
                standby=standby,
            )
        ]
    if kind in ("delivery", "read"):
        return _statuses(event, kind, where, _party(event, "sender", where), at)
    if kind in _HANDOVERS and isinstance(event.get(kind), dict) and _has_sender(event):
        psid = _party(event, "sender", where)
        detail = event[kind]
        return [
            ThreadHandover(
                platform=Platform.MESSENGER,
                event_id=f"{kind}:{psid}:{timestamp_ms}",
                conversation_key=psid,
                action=_HANDOVERS[kind],
                new_owner_app_id=_app_id(detail.get("new_owner_app_id")),
                previous_owner_app_id=_app_id(detail.get("previous_owner_app_id")),
                occurred_at=at,
            )
        ]
    return [_unhandled(event, kind, where, page_id, timestamp_ms, at)]


def _event_kind(event: dict[str, Any]) -> str:
    for known in ("message", "postback", "delivery", "read", "referral"):
        if known in event:
            return known
    return next((key for key in event if key not in _ENVELOPE_KEYS), "unknown")


def _message_event(event: dict[str, Any], where: str, page_id: str, at: datetime, standby: bool) -> Inbound:
    here = f"{where}.message"
    message = require_object(event["message"], here)
    mid = require_string(message, "mid", here)
    is_echo = message.get("is_echo") is True
    if is_echo:
        # The Page sent this (from our app or another, e.g. a human in Page Inbox): sender is the Page.
        conversation_key = _party(event, "recipient", where)
        sender_id = page_id
    else:
        conversation_key = sender_id = _party(event, "sender", where)
    text = _optional_string(message, "text", here)
    attachments = _attachments(message.get("attachments"), f"{here}.attachments")
    quick_reply = message.get("quick_reply")
    payload = None
    if quick_reply is not None:
        payload = _optional_string(require_object(quick_reply, f"{here}.quick_reply"), "payload", here)
    reply_to = message.get("reply_to")
    # Ad referrals on a first message may sit in the message or beside it, depending on the entry point.
    referral, referral_at = message.get("referral"), f"{here}.referral"
    if referral is None:
        referral, referral_at = event.get("referral"), f"{where}.referral"
    if payload is not None:
        kind = "quick_reply"
    elif attachments:
        kind = "attachment"
    elif text is not None:
        kind = "text"
    else:
        kind = "unsupported"
    app_id = message.get("app_id")
    return Inbound(
        platform=Platform.MESSENGER,
        event_id=mid,
        conversation_key=conversation_key,
        sender_id=sender_id,
        sent_at=at,
        kind=kind,
        text=text,
        platform_message_id=mid,
        payload=payload,
        attachments=attachments,
        referral=None if referral is None else _referral(referral, referral_at),
        reply_to=None
        if reply_to is None
        else _optional_string(require_object(reply_to, f"{here}.reply_to"), "mid", f"{here}.reply_to"),
        is_echo=is_echo,
        echo_app_id=str(app_id) if is_echo and app_id is not None else None,
        standby=standby,
    )


def _postback(
    event: dict[str, Any], where: str, psid: str, timestamp_ms: int, at: datetime, standby: bool
) -> Inbound:
    here = f"{where}.postback"
    postback = require_object(event["postback"], here)
    mid = _optional_string(postback, "mid", here)
    referral = postback.get("referral")
    return Inbound(
        platform=Platform.MESSENGER,
        event_id=mid or f"postback:{psid}:{timestamp_ms}",
        conversation_key=psid,
        sender_id=psid,
        sent_at=at,
        kind="postback",
        text=_optional_string(postback, "title", here),
        platform_message_id=mid,
        # Standby postbacks carry no payload (Meta withholds it from apps that do not own the thread).
        payload=_optional_string(postback, "payload", here),
        referral=None if referral is None else _referral(referral, f"{here}.referral"),
        standby=standby,
    )


def _statuses(event: dict[str, Any], kind: str, where: str, psid: str, at: datetime) -> list[InboundItem]:
    here = f"{where}.{kind}"
    body = require_object(event[kind], here)
    watermark_ms = _millis(body, "watermark", here)
    status = "delivered" if kind == "delivery" else "read"
    items: list[InboundItem] = []
    if kind == "delivery":
        mids = body.get("mids") or []
        if not isinstance(mids, list):
            raise MalformedRequest(f"{here}.mids must be a list")
        for position, mid in enumerate(mids):
            if not isinstance(mid, str) or not mid:
                raise MalformedRequest(f"{here}.mids[{position}] must be a non-empty string")
            items.append(
                StatusUpdate(
                    platform=Platform.MESSENGER,
                    event_id=f"delivered:{mid}",
                    conversation_key=psid,
                    status=status,
                    occurred_at=at,
                    platform_message_id=mid,
                )
            )
    # The watermark covers every message sent before it, including ones whose mids were not listed.
    items.append(
        StatusUpdate(
            platform=Platform.MESSENGER,
            event_id=f"{status}:{psid}:{watermark_ms}",
            conversation_key=psid,
            status=status,
            occurred_at=at,
            watermark=_from_millis(watermark_ms),
        )
    )
    return items


def _has_sender(event: dict[str, Any]) -> bool:
    sender = event.get("sender")
    return isinstance(sender, dict) and sender.get("id") is not None


def _app_id(value: object) -> str | None:
    return (
        str(value) if isinstance(value, int | str) and not isinstance(value, bool) and value != "" else None
    )


def _unhandled(
    event: dict[str, Any], kind: str, where: str, page_id: str, timestamp_ms: int, at: datetime
) -> Unhandled:
    # Some events have no user behind them (app_roles, policy enforcement, plugin opt-ins by user_ref):
    # those are kept under the page, so an event we do not act on never makes Meta retry the batch.
    key = _party(event, "sender", where) if _has_sender(event) else page_id
    return Unhandled(
        platform=Platform.MESSENGER,
        event_id=f"{kind}:{key}:{timestamp_ms}",
        conversation_key=key,
        description=kind,
        occurred_at=at,
    )


def _attachments(raw: object, where: str) -> tuple[Attachment, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise MalformedRequest(f"{where} must be a list")
    attachments = []
    for position, item in enumerate(raw):
        here = f"{where}[{position}]"
        attachment = require_object(item, here)
        payload = attachment.get("payload")
        url = payload.get("url") if isinstance(payload, dict) else None
        # Fallback attachments (shared links) put url and title at the top level.
        url = url if isinstance(url, str) else attachment.get("url")
        title = attachment.get("title")
        attachments.append(
            Attachment(
                kind=require_string(attachment, "type", here),
                url=url if isinstance(url, str) else None,
                caption=title if isinstance(title, str) else None,
            )
        )
    return tuple(attachments)


def _referral(raw: object, where: str) -> Referral:
    referral = require_object(raw, where)
    source_type = _optional_string(referral, "source", where)
    ads = referral.get("ads_context_data")
    context: dict[str, str] = {}
    if ads is not None:
        ads = require_object(ads, f"{where}.ads_context_data")
        context = {key: _as_text(value) for key, value in ads.items() if value is not None}
    ad_id = _optional_id(referral, "ad_id", where)
    post_id = context.get("post_id")
    if ad_id:
        source = "ad"
    elif post_id:
        source = "post"
    elif source_type == "ADS":
        source = "ad"
    else:
        source = "referral"
    return Referral(
        source=source,
        ref=_optional_string(referral, "ref", where),
        ad_id=ad_id,
        post_id=post_id,
        headline=context.get("ad_title"),
        source_url=_optional_string(referral, "referer_uri", where),
        source_type=source_type,
        context=context,
    )


# -- field readers: each names the field and its position when it is missing or of the wrong type ------
# (require_object and require_string are shared with WhatsApp, in meta)


def _party(event: dict[str, Any], role: str, where: str) -> str:
    """The ``id`` of an event's sender or recipient."""
    party = event.get(role)
    if party is None:
        raise MalformedRequest(f"{where}.{role}.id is missing")
    return require_string(require_object(party, f"{where}.{role}"), "id", f"{where}.{role}")


def _optional_string(container: dict[str, Any], key: str, where: str) -> str | None:
    value = container.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedRequest(f"{where}.{key} must be a string")
    return value


def _optional_id(container: dict[str, Any], key: str, where: str) -> str | None:
    value = container.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedRequest(f"{where}.{key} must be a string")
    return str(value)


def _millis(container: dict[str, Any], key: str, where: str) -> int:
    value = container.get(key)
    if value is None:
        raise MalformedRequest(f"{where}.{key} is missing")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= _MAX_MILLIS:
        raise MalformedRequest(f"{where}.{key} must be a number of epoch milliseconds, got {value!r}")
    return int(value)


def _from_millis(milliseconds: int) -> datetime:
    seconds, remainder = divmod(milliseconds, 1000)
    return datetime.fromtimestamp(seconds, tz=UTC) + timedelta(milliseconds=remainder)


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
