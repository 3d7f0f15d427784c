"""Accept inbound items durably: insert with dedupe, concurrent callers sharing one commit (group commit)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import InboundItem, StatusUpdate
from adapters.inbound_records import item_to_record
from storage import inbox_queue as queue
from storage.db import transaction
from storage.inbox_queue import NewEvent
from storage.models import utcnow


def to_new_event(tenant_id: int, channel_id: int, item: InboundItem) -> NewEvent:
    # Id and key come from the record, whose strings are cleaned for storage (NUL, lone surrogates).
    record = item_to_record(item)
    return NewEvent(
        tenant_id=tenant_id,
        channel_id=channel_id,
        platform_event_id=record["event_id"],
        conversation_key=record["conversation_key"],
        kind="status" if isinstance(item, StatusUpdate) else "message",
        payload=record,
    )


@dataclass
class _Pending:
    events: Sequence[NewEvent]
    future: asyncio.Future[int]


class Inbox:
    """Accepts inbound items durably; concurrent callers share a commit and return once their rows are in."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, on_accept: Callable[[], None] = lambda: None
    ):
        self._sessions = sessions
        self._on_accept = on_accept
        self._pending: list[_Pending] = []
        self._lock = asyncio.Lock()

    async def accept(self, tenant_id: int, channel_id: int, items: Sequence[InboundItem]) -> int:
        """Store the items (dropping ones already stored); returns how many were new."""
        events = [to_new_event(tenant_id, channel_id, item) for item in items]
        return await self.accept_events(events)

    async def accept_events(self, events: Sequence[NewEvent]) -> int:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(events, future))
        async with self._lock:
            if not future.done():
                batch, self._pending = self._pending, []
                # Shielded: a caller that goes away must not abort the commit the others wait on.
                await asyncio.shield(asyncio.ensure_future(self._write(batch)))
        new = await future
        if new:
            self._on_accept()
        return new

    async def _write(self, batch: list[_Pending]) -> None:
        now = utcnow()
        try:
            counts = []
            async with transaction(self._sessions) as session:
                for pending in batch:
                    counts.append(await queue.insert_events(session, pending.events, now))
        except BaseException as exc:
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for pending, count in zip(batch, counts, strict=True):
            if not pending.future.done():
                pending.future.set_result(count)
