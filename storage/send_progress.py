"""A send's progress: each part the platform accepts, and the send and its message done after the last.

A reply goes out in parts (long text is split); each part is recorded before it is sent (with the
digest of its text, storage/message_parts.py) and again when the platform accepts it (with its platform
id), so an echo or a status can be matched to the part even when the send's answer was lost. A platform
id that is already recorded elsewhere is left off, never a reason to fail: the platform has the message.

Core statements built once, with each send's parameters: a part accepted (with, after the last part,
the send and its message done) is three UPDATEs, the first guarded by the send's lease.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Update, bindparam, case, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import leases, message_parts
from storage.models import Message, MessagePart
from storage.outbox_queue import ClaimedSend
from storage.sql import table

_messages = table(Message)
_parts = table(MessagePart)

_DONE: dict[str, object] = {
    "status": "sent",
    "sent_at": bindparam("now"),
    "locked_until": None,
    "last_error": None,
}
# A part accepted moves the resume point past it; the last one also finishes the send (one guarded UPDATE).
_PART_SENT = leases.held_update(
    leases.OUTBOX, {"parts_sent": bindparam("sent_parts"), "updated_at": bindparam("now")}
)
_LAST_PART_SENT = leases.held_update(
    leases.OUTBOX, {"parts_sent": bindparam("sent_parts"), "updated_at": bindparam("now"), **_DONE}
)
_SENT = leases.held_update(leases.OUTBOX, {"updated_at": bindparam("now"), **_DONE})


def _if_pending(column: ColumnElement[Any], value: object) -> ColumnElement[Any]:
    """``value`` for a message still pending; a status that came first (delivered, read) is kept."""
    return case((_messages.c.status == "pending", value), else_=column)


_MESSAGE_SENT = (
    update(_messages)
    .where(_messages.c.tenant_id == bindparam("tenant"), _messages.c.id == bindparam("message"))
    .values(
        status=_if_pending(_messages.c.status, "sent"),
        sent_at=_if_pending(_messages.c.sent_at, bindparam("now", type_=_messages.c.sent_at.type)),
        error=_if_pending(_messages.c.error, None),
        failure_reason=_if_pending(_messages.c.failure_reason, None),
        updated_at=bindparam("now"),
    )
)
_other_message = _messages.alias("other_message")
# The message takes its first part's platform id, unless it has one or another message has that id.
_FIRST_PART_ID = (
    select(_parts.c.platform_message_id)
    .where(
        _parts.c.tenant_id == bindparam("tenant"),
        _parts.c.message_id == bindparam("message"),
        _parts.c.part_index == 0,
        ~exists().where(
            _other_message.c.tenant_id == bindparam("tenant"),
            _other_message.c.channel_id == bindparam("channel"),
            _other_message.c.platform_message_id == _parts.c.platform_message_id,
        ),
    )
    .scalar_subquery()
)
_MESSAGE_SENT_WITH_ID = _MESSAGE_SENT.values(
    platform_message_id=func.coalesce(_messages.c.platform_message_id, _FIRST_PART_ID)
)


async def record_part_sent(
    session: AsyncSession,
    claim: ClaimedSend,
    *,
    part_index: int,
    platform_message_id: str | None,
    last: bool,
    now: datetime,
    with_ids: bool = True,
) -> bool:
    """The platform accepted a part: record it with its id and move the resume point past it; after the
    ``last`` part the send is done, as ``mark_sent`` does. Lease-guarded: False (nothing changes) if
    the lease was lost.

    An id already recorded elsewhere is left off. If another transaction records one of the ids at the
    same moment (PostgreSQL), IntegrityError is raised: write again with ``with_ids=False``, which leaves
    every platform id off.
    """
    guard = _LAST_PART_SENT if last else _PART_SENT
    if not await _run_held(session, claim, guard, {"sent_parts": part_index + 1, "now": now}):
        return False
    await message_parts.record_part_accepted(
        session,
        claim,
        part_index=part_index,
        platform_message_id=platform_message_id if with_ids else None,
        now=now,
    )
    if last:
        await _message_sent(session, claim, now=now, with_ids=with_ids)
    return True


async def mark_sent(
    session: AsyncSession, claim: ClaimedSend, *, now: datetime, with_ids: bool = True
) -> bool:
    """Every part went out: the send is done and the message is ``sent`` with its first part's id.

    Lease-guarded (False: the lease was lost); ``with_ids`` as for ``record_part_sent``.
    """
    if not await _run_held(session, claim, _SENT, {"now": now}):
        return False
    await _message_sent(session, claim, now=now, with_ids=with_ids)
    return True


async def _message_sent(session: AsyncSession, claim: ClaimedSend, *, now: datetime, with_ids: bool) -> None:
    await session.execute(
        _MESSAGE_SENT_WITH_ID if with_ids else _MESSAGE_SENT,
        {"tenant": claim.tenant_id, "channel": claim.channel_id, "message": claim.message_id, "now": now},
    )


async def _run_held(
    session: AsyncSession, claim: ClaimedSend, statement: Update, params: dict[str, object]
) -> bool:
    return await leases.run_held(
        session,
        statement,
        row_id=claim.id,
        tenant_id=claim.tenant_id,
        lock_token=claim.lock_token,
        params=params,
    )
