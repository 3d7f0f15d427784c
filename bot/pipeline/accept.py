"""Accept inbound items durably: insert with dedupe, concurrent callers sharing one commit (group commit)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import InboundItem, StatusUpdate
from adapters.inbound_records import item_to_record
from storage import inbox_queue as queue
from storage.group_commit import GroupCommit
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


class Inbox:
    """Accepts inbound items durably; concurrent callers share a commit and return once their rows are in.

    The writes go through the runtime's group commit as urgent units: a webhook's acknowledgement waits
    on them, so they go ahead of the turns' writes in the next batch.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        on_accept: Callable[[], None] = lambda: None,
        commits: GroupCommit | None = None,
    ):
        self._commits = commits or GroupCommit(sessions)
        self._on_accept = on_accept

    async def accept(self, tenant_id: int, channel_id: int, items: Sequence[InboundItem]) -> int:
        """Store the items (dropping ones already stored); returns how many were new."""
        events = [to_new_event(tenant_id, channel_id, item) for item in items]
        return await self.accept_events(events)

    async def accept_events(self, events: Sequence[NewEvent]) -> int:
        now = utcnow()

        async def insert(session: AsyncSession) -> int:
            return await queue.insert_events(session, events, now)

        new = await self._commits.run(insert, urgent=True)
        if new:
            self._on_accept()
        return new
