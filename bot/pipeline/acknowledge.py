"""Mark an inbound message seen and show a typing indicator while the bot thinks (best effort).

The typing indicator is shown only for a turn still running after ``TYPING_AFTER_SECONDS``: an instant
answer gets the read receipt alone, one platform call instead of two on Messenger, and no typing dots
that would arrive after the reply (Messenger keeps them up to 20 seconds).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from adapters.base import Adapter, Inbound
from bot.pipeline.config_cache import ChannelSnapshot
from bot.security import CredentialBox
from storage.inbox_queue import ClaimedEvent

log = logging.getLogger(__name__)

TYPING_AFTER_SECONDS = 0.3


class TurnAcknowledgement:
    """The running turn's side: tell it when the turn is over."""

    def __init__(self) -> None:
        self._over = asyncio.Event()

    def turn_over(self) -> None:
        self._over.set()

    async def still_running_after(self, seconds: float) -> bool:
        try:
            async with asyncio.timeout(seconds):
                await self._over.wait()
        except TimeoutError:
            return True
        return False


class Acknowledgements:
    def __init__(
        self,
        adapters: Mapping[str, Adapter],
        credentials: CredentialBox,
    ) -> None:
        self._adapters = adapters
        self._credentials = credentials
        self._tasks: set[asyncio.Task[None]] = set()

    def soon(self, event: ClaimedEvent, inbound: Inbound, channel: ChannelSnapshot) -> TurnAcknowledgement:
        """Start acknowledging without making the turn wait for it; the turn says when it is over."""
        turn = TurnAcknowledgement()
        task = asyncio.create_task(self._acknowledge(inbound, channel, turn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return turn

    async def _acknowledge(
        self, inbound: Inbound, channel: ChannelSnapshot, turn: TurnAcknowledgement
    ) -> None:
        adapter = self._adapters.get(inbound.platform.value)
        acknowledge = getattr(adapter, "acknowledge", None)
        if acknowledge is None:
            return
        typing = await turn.still_running_after(TYPING_AFTER_SECONDS)
        try:
            # The channel comes from the turn's cached configuration: no database read per message.
            credentials = self._credentials.open(channel.credentials_encrypted)
            await acknowledge(credentials, channel.external_id, inbound, typing=typing)
        except Exception:  # a typing indicator is never worth failing a turn for
            log.warning("could not acknowledge message %s", inbound.platform_message_id, exc_info=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
