"""Mark an inbound message seen and show a typing indicator while the bot thinks (best effort)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from adapters.base import Adapter, Inbound
from bot.pipeline.config_cache import ChannelSnapshot
from bot.security import CredentialBox
from storage.inbox_queue import ClaimedEvent

log = logging.getLogger(__name__)


class Acknowledgements:
    def __init__(
        self,
        adapters: Mapping[str, Adapter],
        credentials: CredentialBox,
    ) -> None:
        self._adapters = adapters
        self._credentials = credentials
        self._tasks: set[asyncio.Task[None]] = set()

    def soon(self, event: ClaimedEvent, inbound: Inbound, channel: ChannelSnapshot) -> None:
        """Start acknowledging without making the turn wait for it."""
        task = asyncio.create_task(self._acknowledge(inbound, channel))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _acknowledge(self, inbound: Inbound, channel: ChannelSnapshot) -> None:
        adapter = self._adapters.get(inbound.platform.value)
        acknowledge = getattr(adapter, "acknowledge", None)
        if acknowledge is None:
            return
        try:
            # The channel comes from the turn's cached configuration: no database read per message.
            credentials = self._credentials.open(channel.credentials_encrypted)
            await acknowledge(credentials, channel.external_id, inbound)
        except Exception:  # a typing indicator is never worth failing a turn for
            log.warning("could not acknowledge message %s", inbound.platform_message_id, exc_info=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
