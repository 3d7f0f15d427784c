"""WhatsApp Cloud API adapter: verify webhooks; send text, interactive and template messages; mark read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from adapters import meta
from adapters.base import (
    ChannelRef,
    Inbound,
    InboundItem,
    Outbound,
    PermanentSendFailure,
    Platform,
    SendFailed,
    SendResult,
    transport_failure,
    with_numbered_choices,
)
from adapters.whatsapp_webhook import (
    DELIVERY_STATUSES,
    INTERACTIVE_REPLIES,
    MEDIA_TYPES,
    MESSAGES_FIELD,
    REFERRAL_CONTEXT_KEYS,
    WEBHOOK_OBJECT,
    e164,
    parse_whatsapp_body,
)

# The webhook constants and e164 live with the parsing; they stay importable from here.
__all__ = [
    "BUTTON_TITLE_LENGTH",
    "DELIVERY_STATUSES",
    "INTERACTIVE_REPLIES",
    "LIST_BUTTON_LABEL",
    "LIST_SECTION_TITLE",
    "MAX_BUTTONS",
    "MAX_INTERACTIVE_BODY_LENGTH",
    "MAX_LIST_ROWS",
    "MAX_TEXT_LENGTH",
    "MEDIA_TYPES",
    "MESSAGES_FIELD",
    "REFERRAL_CONTEXT_KEYS",
    "ROW_TITLE_LENGTH",
    "WEBHOOK_OBJECT",
    "WhatsAppAdapter",
    "e164",
]

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4096
MAX_INTERACTIVE_BODY_LENGTH = 1024
MAX_BUTTONS = 3
MAX_LIST_ROWS = 10
BUTTON_TITLE_LENGTH = 20
ROW_TITLE_LENGTH = 24
LIST_BUTTON_LABEL = "Choose"
LIST_SECTION_TITLE = "Options"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class WhatsAppAdapter:
    platform = Platform.WHATSAPP
    max_text_length = MAX_TEXT_LENGTH

    def __init__(
        self, client: httpx.AsyncClient, api_base: str, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._client = client
        self._api_base = api_base.rstrip("/")
        # Only for items whose payload carries no time (top-level errors, some non-message fields).
        self._clock = clock

    def handshake(self, query: Mapping[str, str], credentials: Mapping[str, str]) -> str:
        return meta.handshake(query, credentials)

    def authenticate(self, headers: Mapping[str, str], body: bytes, credentials: Mapping[str, str]) -> None:
        meta.authenticate(headers, body, credentials)

    def parse(self, body: bytes, channel: ChannelRef) -> list[InboundItem]:
        """Every message, status and error of every change of every entry, in payload order."""
        return parse_whatsapp_body(body, channel, clock=self._clock)

    async def send(self, credentials: Mapping[str, str], outbound: Outbound) -> SendResult:
        """Send one message from phone number ``outbound.from_id``; raises SendFailed or ValueError."""
        response = await self._post(credentials, outbound.from_id, _message_body(outbound))
        if not response.is_success:
            raise meta.classify_error(response)
        ids = _message_ids(response)
        if not ids:
            log.warning("whatsapp: send from %s succeeded without a message id", outbound.from_id)
        return SendResult(platform_message_ids=ids)

    async def acknowledge(
        self, credentials: Mapping[str, str], from_id: str, inbound: Inbound, *, typing: bool = True
    ) -> None:
        """Mark the message read and show the typing indicator; failures are logged, never raised."""
        if inbound.platform_message_id is None:
            return
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": inbound.platform_message_id,
        }
        if typing:
            body["typing_indicator"] = {"type": "text"}
        try:
            response = await self._post(credentials, from_id, body)
        except SendFailed as exc:
            log.warning("whatsapp: mark-as-read from %s failed: %s", from_id, exc.message)
            return
        if not response.is_success:
            failure = meta.classify_error(response)
            log.warning("whatsapp: mark-as-read from %s rejected (%s): %s", from_id, failure.code, failure)

    async def _post(
        self, credentials: Mapping[str, str], from_id: str, body: dict[str, Any]
    ) -> httpx.Response:
        token = credentials.get("access_token")
        if not token:
            raise PermanentSendFailure("the channel has no WhatsApp access token", credentials_invalid=True)
        if not from_id:
            raise PermanentSendFailure("no phone number id to send from")
        url = f"{self._api_base}/{quote(from_id, safe='')}/messages"
        try:
            return await self._client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        except httpx.RequestError as exc:
            raise transport_failure(exc) from exc


# --- outbound ------------------------------------------------------------------------------------------


def _message_body(outbound: Outbound) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": outbound.recipient_id,
    }
    if outbound.reply_to:
        body["context"] = {"message_id": outbound.reply_to}
    if outbound.template is not None:
        body["type"] = "template"
        body["template"] = {"name": outbound.template.name, "language": {"code": outbound.template.language}}
        return body
    interactive = _interactive(outbound.text, outbound.choices)
    if interactive is not None:
        body["type"] = "interactive"
        body["interactive"] = interactive
        return body
    text = with_numbered_choices(outbound.text, outbound.choices)
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"WhatsApp text is limited to {MAX_TEXT_LENGTH} characters, got {len(text)}")
    body["type"] = "text"
    body["text"] = {"preview_url": outbound.preview_url, "body": text}
    return body


def _interactive(text: str, choices: tuple[str, ...]) -> dict[str, Any] | None:
    """Reply buttons (1-3) or a list (4-10); None when WhatsApp would refuse them, so text is used."""
    if not choices or not text.strip() or len(text) > MAX_INTERACTIVE_BODY_LENGTH:
        return None
    if len(choices) > MAX_LIST_ROWS:
        return None
    as_buttons = len(choices) <= MAX_BUTTONS
    titles = [choice[: BUTTON_TITLE_LENGTH if as_buttons else ROW_TITLE_LENGTH] for choice in choices]
    # WhatsApp rejects blank or repeated titles, and cutting them short can produce either.
    if len(set(titles)) < len(titles) or not all(title.strip() for title in titles):
        return None
    if as_buttons:
        buttons = [
            {"type": "reply", "reply": {"id": f"choice-{number}", "title": title}}
            for number, title in enumerate(titles, start=1)
        ]
        return {"type": "button", "body": {"text": text}, "action": {"buttons": buttons}}
    rows = [{"id": f"choice-{number}", "title": title} for number, title in enumerate(titles, start=1)]
    return {
        "type": "list",
        "body": {"text": text},
        "action": {"button": LIST_BUTTON_LABEL, "sections": [{"title": LIST_SECTION_TITLE, "rows": rows}]},
    }


def _message_ids(response: httpx.Response) -> tuple[str, ...]:
    try:
        data = response.json()
    except ValueError:
        return ()
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list):
        return ()
    return tuple(m["id"] for m in messages if isinstance(m, dict) and isinstance(m.get("id"), str))
