"""Mark an inbound message seen and show a typing indicator while the bot thinks (best effort)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Adapter, Inbound
from bot.security import CredentialBox
from storage.db import read_only
from storage.inbox_queue import ClaimedEvent
from storage.models import Channel
from storage.sql import get_owned

log = logging.getLogger(__name__)


class Acknowledgements:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        adapters: Mapping[str, Adapter],
        credentials: CredentialBox,
    ) -> None:
        self._sessions = sessions
        self._adapters = adapters
        self._credentials = credentials
        self._tasks: set[asyncio.Task[None]] = set()

    def soon(self, event: ClaimedEvent, inbound: Inbound) -> None:
        """Start acknowledging without making the turn wait for it."""
        task = asyncio.create_task(self._acknowledge(event, inbound))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _acknowledge(self, event: ClaimedEvent, inbound: Inbound) -> None:
        adapter = self._adapters.get(inbound.platform.value)
        acknowledge = getattr(adapter, "acknowledge", None)
        if acknowledge is None:
            return
        try:
            async with read_only(self._sessions) as session:
                channel = await get_owned(session, Channel, event.tenant_id, event.channel_id)
                if channel is None:
                    return
                credentials = self._credentials.open(channel.credentials_encrypted)
                from_id = channel.external_id
            await acknowledge(credentials, from_id, inbound)
        except Exception:  # a typing indicator is never worth failing a turn for
            log.warning("could not acknowledge message %s", inbound.platform_message_id, exc_info=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
