"""Read receipts and typing dots: a quick answer gets the receipt alone, a slow one the dots as well."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from adapters.base import Inbound, Platform
from bot.pipeline import acknowledge
from bot.pipeline.acknowledge import Acknowledgements
from bot.pipeline.config_cache import ChannelSnapshot
from bot.security import CredentialBox
from storage.inbox_queue import ClaimedEvent
from tests.support.doubles import wait_until

PAGE = "1000000001"


@dataclass
class RecordingAcknowledger:
    platform: Platform = Platform.MESSENGER
    max_text_length: int = 2000
    calls: list[tuple[str, bool]] = field(default_factory=list)

    async def acknowledge(
        self, credentials: Mapping[str, str], from_id: str, inbound: Inbound, *, typing: bool = True
    ) -> None:
        assert credentials == {"access_token": "page-token"}
        self.calls.append((from_id, typing))


def message() -> Inbound:
    return Inbound(
        platform=Platform.MESSENGER,
        event_id="m_1",
        conversation_key="2000000001",
        sender_id="2000000001",
        sent_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        text="Do you roast on Sundays?",
        platform_message_id="m_1",
    )


def setup() -> tuple[Acknowledgements, RecordingAcknowledger, ChannelSnapshot]:
    box = CredentialBox(Fernet.generate_key())
    platform = RecordingAcknowledger()
    channel = ChannelSnapshot(
        1,
        1,
        "messenger",
        {},
        external_id=PAGE,
        credentials_encrypted=box.seal({"access_token": "page-token"}),
    )
    return Acknowledgements({"messenger": platform}, box), platform, channel  # type: ignore[dict-item]


EVENT = ClaimedEvent.__new__(ClaimedEvent)


async def test_a_turn_answered_at_once_gets_the_read_receipt_without_typing_dots(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(acknowledge, "TYPING_AFTER_SECONDS", 60.0)
    acknowledgements, platform, channel = setup()
    turn = acknowledgements.soon(EVENT, message(), channel)
    turn.turn_over()

    async def acknowledged() -> bool:
        return bool(platform.calls)

    await wait_until(acknowledged)
    assert platform.calls == [(PAGE, False)]
    await acknowledgements.close()


async def test_a_turn_still_thinking_shows_typing_dots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(acknowledge, "TYPING_AFTER_SECONDS", 0.01)
    acknowledgements, platform, channel = setup()
    turn = acknowledgements.soon(EVENT, message(), channel)

    async def acknowledged() -> bool:
        return bool(platform.calls)

    await wait_until(acknowledged)
    assert platform.calls == [(PAGE, True)]
    turn.turn_over()  # the answer came later: nothing more is sent
    await asyncio.sleep(0.05)
    assert platform.calls == [(PAGE, True)]
    await acknowledgements.close()
