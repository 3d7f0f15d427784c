"""Facebook Messenger adapter: verify Page webhooks, send replies and sender actions."""

from __future__ import annotations

import logging
from collections.abc import Mapping
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
from adapters.messenger_webhook import parse_messenger_body

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 2000
MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE_LENGTH = 20
QUICK_REPLY_PAYLOAD_LENGTH = 1000
THREAD_METADATA_LENGTH = 1000


class MessengerAdapter:
    """Messenger Platform through the Graph API; one instance serves every Page (credentials per call)."""

    platform = Platform.MESSENGER
    max_text_length = MAX_TEXT_LENGTH

    def __init__(self, client: httpx.AsyncClient, api_base: str) -> None:
        self._client = client
        self._api_base = api_base.rstrip("/")

    # -- inbound ---------------------------------------------------------------------------------------

    def handshake(self, query: Mapping[str, str], credentials: Mapping[str, str]) -> str:
        return meta.handshake(query, credentials)

    def authenticate(self, headers: Mapping[str, str], body: bytes, credentials: Mapping[str, str]) -> None:
        meta.authenticate(headers, body, credentials)

    def parse(self, body: bytes, channel: ChannelRef) -> list[InboundItem]:
        """Every event of every entry, in order; one bad event rejects the whole request."""
        return parse_messenger_body(body, channel)

    # -- outbound --------------------------------------------------------------------------------------

    async def send(self, credentials: Mapping[str, str], outbound: Outbound) -> SendResult:
        if len(outbound.text) > MAX_TEXT_LENGTH:
            raise ValueError(f"Messenger text is limited to {MAX_TEXT_LENGTH} characters; split it first")
        if not outbound.from_id:
            raise PermanentSendFailure("the outbound message names no page id to send from")
        if outbound.thread_control is not None:
            return await self._thread_control(credentials, outbound.from_id, outbound)
        body: dict[str, Any] = {"recipient": {"id": outbound.recipient_id}}
        if outbound.tag:
            body["messaging_type"] = "MESSAGE_TAG"
            body["tag"] = outbound.tag
        else:
            body["messaging_type"] = "RESPONSE"
        body["message"] = _message(outbound)
        response = await self._post(credentials, outbound.from_id, body)
        message_id = _message_id(response)
        if message_id is None:
            # Sent, but the id is unknown: retrying would send it twice, so report it without one.
            log.warning("messenger: send to page %s succeeded without a message_id", outbound.from_id)
            return SendResult()
        return SendResult((message_id,))

    async def _thread_control(
        self, credentials: Mapping[str, str], page_id: str, outbound: Outbound
    ) -> SendResult:
        """Handover Protocol: pass the thread to the inbox app, or take it back (no message id comes back)."""
        control = outbound.thread_control
        assert control is not None
        body: dict[str, Any] = {"recipient": {"id": outbound.recipient_id}}
        if control.action == "pass":
            if not control.target_app_id:
                raise PermanentSendFailure("passing thread control needs the target app id", code="no_app_id")
            body["target_app_id"] = int(control.target_app_id)
        if control.metadata:
            body["metadata"] = control.metadata[:THREAD_METADATA_LENGTH]
        await self._post(credentials, page_id, body, endpoint=f"{control.action}_thread_control")
        return SendResult()

    async def acknowledge(
        self, credentials: Mapping[str, str], from_id: str, inbound: Inbound, *, typing: bool = True
    ) -> None:
        """Mark the message seen and show typing; best effort, so failures are logged and dropped."""
        if inbound.is_echo or inbound.standby:
            return  # the business's own message, or a thread another app owns
        for action in ("mark_seen", "typing_on") if typing else ("mark_seen",):
            body = {"recipient": {"id": inbound.conversation_key}, "sender_action": action}
            try:
                await self._post(credentials, from_id, body)
            except Exception as exc:  # noqa: BLE001 - a missed typing indicator must never fail a turn
                log.warning("messenger: %s for page %s failed: %s", action, from_id, _describe(exc))

    async def _post(
        self,
        credentials: Mapping[str, str],
        page_id: str,
        body: dict[str, Any],
        *,
        endpoint: str = "messages",
    ) -> httpx.Response:
        token = credentials.get("access_token")
        if not token:
            raise PermanentSendFailure(
                "the channel has no access token", code="no_access_token", credentials_invalid=True
            )
        # The token goes in a header, never the URL: URLs end up in logs.
        # The id is one path segment, whatever it holds: "12/34" or "12?x" must not reach another endpoint.
        url = f"{self._api_base}/{quote(page_id, safe='')}/{endpoint}"
        try:
            response = await self._client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        except httpx.TransportError as exc:
            raise transport_failure(exc) from exc
        if not response.is_success:
            raise meta.classify_error(response)
        return response


def _message(outbound: Outbound) -> dict[str, Any]:
    text = outbound.text
    choices = [choice for choice in outbound.choices if choice]
    if not choices:
        return {"text": text}
    if len(choices) <= MAX_QUICK_REPLIES:
        quick_replies = [
            {
                "content_type": "text",
                "title": choice[:QUICK_REPLY_TITLE_LENGTH],
                "payload": choice[:QUICK_REPLY_PAYLOAD_LENGTH],
            }
            for choice in choices
        ]
        return {"text": text, "quick_replies": quick_replies}
    # More choices than Messenger shows as buttons: list them, the customer answers with a number.
    combined = with_numbered_choices(text, choices)
    if len(combined) > MAX_TEXT_LENGTH:
        raise PermanentSendFailure(
            f"the text with {len(choices)} numbered choices is {len(combined)} characters, "
            f"over Messenger's {MAX_TEXT_LENGTH}",
            code="text_too_long",
        )
    return {"text": combined}


def _message_id(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    value = data.get("message_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def _describe(exc: Exception) -> str:
    if isinstance(exc, SendFailed):
        return f"{exc.code}: {exc.message}" if exc.code else exc.message
    return f"{type(exc).__name__}: {exc}"
