"""Local terminal channel for `chatbot chat`: lines typed in become Inbound items, replies go to a sink."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from adapters.base import Inbound, Outbound, PermanentSendFailure, Platform, SendResult

Sink = Callable[[Outbound], Awaitable[None]]


class ConsoleAdapter:
    platform = Platform.CONSOLE
    max_text_length = 4096

    def __init__(self, sink: Sink | None = None) -> None:
        self._sink = sink

    def inbound(self, *, user_id: str, text: str, now: datetime, name: str | None = None) -> Inbound:
        message_id = f"console-{uuid.uuid4().hex}"
        return Inbound(
            platform=Platform.CONSOLE,
            event_id=message_id,
            conversation_key=user_id,
            sender_id=user_id,
            sender_name=name,
            sent_at=now,
            kind="text",
            text=text,
            platform_message_id=message_id,
        )

    async def send(self, credentials: Mapping[str, str], outbound: Outbound) -> SendResult:
        if self._sink is None:
            raise PermanentSendFailure("no terminal is attached to this console channel")
        await self._sink(outbound)
        return SendResult(platform_message_ids=(f"console-out-{outbound.dedupe_key}",))
