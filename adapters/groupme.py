"""GroupMe bots: one V3 message object per callback in, ``POST /bots/post`` out.

GroupMe signs nothing and its callback body carries no ``bot_id``, so a channel is identified by the
unguessable key in its callback URL and each channel is bound to one ``group_id``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

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
    RetryableSendFailure,
    SendFailed,
    SendResult,
    SignatureMismatch,
    Unhandled,
    load_json,
    numbered_choices,
    transport_failure,
)

MAX_TEXT_LENGTH = 1000
DEFAULT_ANSWER_MODE = "mention"
DEFAULT_COMMAND_PREFIX = "!"
ANSWER_MODES = frozenset({"all", "prefix", "mention"})
MEDIA_KINDS = frozenset({"image", "video", "file"})
# A wrong or deleted bot id: retrying will never help, the channel must be reconfigured.
CREDENTIAL_STATUSES = frozenset({401, 403, 404})

T = TypeVar("T")


class GroupMeAdapter:
    """Parses GroupMe bot callbacks and posts as a bot; implements Adapter and WebhookAdapter."""

    platform = Platform.GROUPME
    max_text_length = MAX_TEXT_LENGTH

    def __init__(self, client: httpx.AsyncClient, api_base: str) -> None:
        self._client = client
        self._post_url = f"{api_base.rstrip('/')}/bots/post"

    def handshake(self, query: Mapping[str, str], credentials: Mapping[str, str]) -> str:
        raise HandshakeRejected("GroupMe does not use a subscription handshake")

    def authenticate(self, headers: Mapping[str, str], body: bytes, credentials: Mapping[str, str]) -> None:
        """Accept every request: GroupMe sends no signature and no bot id, so there is nothing to verify.

        The caller has already found the channel by the unguessable key in the callback URL; that key
        is the authentication. :meth:`parse` then checks the body's ``group_id`` against the channel.
        """

    def parse(self, body: bytes, channel: ChannelRef) -> list[InboundItem]:
        """The one message of a callback; bot posts (our own included) and system messages are Unhandled."""
        data = _load_object(body)
        group_id = _required(data, "group_id", str)
        if channel.group_id is None:
            raise SignatureMismatch("this channel is not bound to a GroupMe group")
        if group_id != channel.group_id:
            raise SignatureMismatch(f"group_id {group_id!r} is not this channel's group")
        message_id = _required(data, "id", str)
        sender_id = _required(data, "sender_id", str)
        sender_type = _required(data, "sender_type", str)
        sent_at = _timestamp(_required(data, "created_at", int))
        system = _required(data, "system", bool)
        text = _optional(data, "text", str)
        name = _optional(data, "name", str)
        attachments = _optional(data, "attachments", list) or []

        if system or sender_type != "user":
            what = "system message" if system else f"post by {sender_type} {sender_id}"
            return [
                Unhandled(
                    platform=Platform.GROUPME,
                    event_id=message_id,
                    conversation_key=group_id,
                    description=f"GroupMe {what}; never answered",
                    occurred_at=sent_at,
                )
            ]

        parsed = _parse_attachments(attachments)
        return [
            Inbound(
                platform=Platform.GROUPME,
                event_id=message_id,
                platform_message_id=message_id,
                conversation_key=group_id,
                group_id=group_id,
                sender_id=sender_id,
                sender_name=name,
                sent_at=sent_at,
                kind=_kind(text, parsed),
                text=text,
                attachments=parsed.media,
                location=parsed.location,
                mentions=parsed.mentions,
                reply_to=parsed.reply_to,
                addressed=is_addressed(text, channel.settings),
            )
        ]

    async def send(self, credentials: Mapping[str, str], outbound: Outbound) -> SendResult:
        """Post ``outbound.text`` (choices as a numbered list) as the bot ``outbound.from_id``.

        ``source_guid`` is the dedupe key, stable across resends, so GroupMe can drop a repeat.
        """
        if len(outbound.text) > MAX_TEXT_LENGTH:
            raise ValueError(f"GroupMe text is capped at {MAX_TEXT_LENGTH} characters; split it first")
        if not outbound.from_id:
            raise PermanentSendFailure(
                "the outbound message names no GroupMe bot id", credentials_invalid=True
            )
        choices = numbered_choices(outbound.choices)
        text = f"{outbound.text}\n\n{choices}" if outbound.text and choices else outbound.text or choices
        if len(text) <= MAX_TEXT_LENGTH:
            await self._post(outbound.from_id, text, outbound.dedupe_key)
            return SendResult((f"groupme-{outbound.dedupe_key}",))
        # The text fits but not with its choices: the choices go in a second post with its own stable guid.
        if len(choices) > MAX_TEXT_LENGTH:
            raise ValueError(f"the numbered choices alone exceed GroupMe's {MAX_TEXT_LENGTH} characters")
        choices_key = f"{outbound.dedupe_key}-choices"
        await self._post(outbound.from_id, outbound.text, outbound.dedupe_key)
        await self._post(outbound.from_id, choices, choices_key)
        return SendResult((f"groupme-{outbound.dedupe_key}", f"groupme-{choices_key}"))

    async def _post(self, bot_id: str, text: str, source_guid: str) -> None:
        body = {"bot_id": bot_id, "text": text, "source_guid": source_guid}
        try:
            response = await self._client.post(self._post_url, json=body)
        except httpx.TransportError as exc:
            # The post may or may not have landed; the resend carries the same source_guid.
            raise transport_failure(exc) from exc
        if not response.is_success:
            raise classify_error(response)


def is_addressed(text: str | None, settings: Mapping[str, Any]) -> bool:
    """Whether the bot should answer a group message, by the channel's ``answer_mode``.

    ``all`` answers everything; ``prefix`` answers commands (text starting with ``command_prefix``);
    ``mention`` (the default, also used for an unknown mode) answers commands and messages naming
    ``bot_name`` as a whole word, with or without a leading ``@``.
    """
    mode = settings.get("answer_mode", DEFAULT_ANSWER_MODE)
    if mode == "all":
        return True
    if not text:
        return False
    prefix = str(settings.get("command_prefix", DEFAULT_COMMAND_PREFIX) or "")
    if prefix and text.lstrip().startswith(prefix):
        return True
    if mode == "prefix":
        return False
    bot_name = str(settings.get("bot_name") or "").strip()
    if not bot_name:
        return False
    # Not preceded by a word character or "@" (so "mail@bot" is no mention), not followed by one.
    pattern = rf"(?<![\w@])@?{re.escape(bot_name)}(?!\w)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def classify_error(response: httpx.Response) -> SendFailed:
    """Turn a non-2xx ``/bots/post`` answer into a retryable or permanent failure."""
    status = response.status_code
    message = _error_message(response)
    code = str(status)
    if status == 429 or status >= 500:
        return RetryableSendFailure(message, code=code, retry_after=_retry_after(response))
    if status in CREDENTIAL_STATUSES:
        return PermanentSendFailure(
            f"the GroupMe bot id is wrong or the bot was deleted ({message})",
            code=code,
            credentials_invalid=True,
        )
    return PermanentSendFailure(message, code=code)


def _error_message(response: httpx.Response) -> str:
    """The errors of GroupMe's ``{"meta":{"code","errors"},"response":null}`` envelope, if any."""
    try:
        meta = response.json().get("meta")
    except (ValueError, AttributeError):
        meta = None
    errors = meta.get("errors") if isinstance(meta, dict) else None
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors)
    return response.reason_phrase or f"HTTP {response.status_code}"


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After as delay seconds or an HTTP date; None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class _Attachments:
    """What a message's attachment list says, in the shape Inbound wants."""

    def __init__(self) -> None:
        self.media: tuple[Attachment, ...] = ()
        self.location: Location | None = None
        self.mentions: tuple[str, ...] = ()
        self.reply_to: str | None = None


def _parse_attachments(items: list[Any]) -> _Attachments:
    parsed = _Attachments()
    media: list[Attachment] = []
    mentions: list[str] = []
    for index, item in enumerate(items):
        where = f"attachments[{index}]"
        if not isinstance(item, dict):
            raise MalformedRequest(f"'{where}' must be an object")
        kind = item.get("type")
        if not isinstance(kind, str):
            raise MalformedRequest(f"'{where}.type' must be a string")
        if kind in MEDIA_KINDS:
            url = _optional(item, "url", str, where)
            file_id = _optional(item, "file_id", str, where)
            if url is None and file_id is None:
                raise MalformedRequest(f"'{where}' ({kind}) needs a 'url' or 'file_id'")
            media.append(Attachment(kind=kind, url=url, media_id=file_id))
        elif kind == "location":
            parsed.location = Location(
                latitude=_coordinate(item, "lat", where),
                longitude=_coordinate(item, "lng", where),
                name=_optional(item, "name", str, where),
            )
        elif kind == "mentions":
            user_ids = _optional(item, "user_ids", list, where) or []
            if not all(isinstance(u, str) for u in user_ids):
                raise MalformedRequest(f"'{where}.user_ids' must be a list of strings")
            mentions.extend(user_ids)
        elif kind == "reply":
            parsed.reply_to = _required(item, "reply_id", str, where)
        # emoji, poll, event, split and other read-only types carry nothing the bot acts on.
    parsed.media = tuple(media)
    parsed.mentions = tuple(mentions)
    return parsed


def _kind(text: str | None, parsed: _Attachments) -> str:
    if text:
        return "text"
    if parsed.location is not None:
        return "location"
    if parsed.media:
        return "attachment"
    return "unsupported"


def _load_object(body: bytes) -> dict[str, Any]:
    data = load_json(body)
    if not isinstance(data, dict):
        raise MalformedRequest("body must be one GroupMe message object, not a JSON " + type(data).__name__)
    return data


def _required(data: Mapping[str, Any], key: str, kind: type[T], where: str = "") -> T:
    name = f"{where}.{key}" if where else key
    if key not in data or data[key] is None:
        raise MalformedRequest(f"'{name}' is missing")
    return _typed(data[key], name, kind)


def _optional(data: Mapping[str, Any], key: str, kind: type[T], where: str = "") -> T | None:
    value = data.get(key)
    if value is None:
        return None
    return _typed(value, f"{where}.{key}" if where else key, kind)


def _typed(value: Any, name: str, kind: type[T]) -> T:
    # bool is an int in Python; a JSON true is never a valid timestamp.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise MalformedRequest(f"'{name}' must be {_JSON_NAMES.get(kind, kind.__name__)}")
    return value


_JSON_NAMES: dict[type, str] = {str: "a string", int: "an integer", bool: "a boolean", list: "a list"}


def _timestamp(seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedRequest(f"'created_at' {seconds} is not a valid epoch time in seconds") from None


def _coordinate(item: Mapping[str, Any], key: str, where: str) -> float:
    """GroupMe sends coordinates as decimal strings; numbers are accepted too."""
    value = item.get(key)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except (ValueError, OverflowError):
            pass
        else:
            if math.isfinite(number):
                return number
    raise MalformedRequest(f"'{where}.{key}' must be a number")
