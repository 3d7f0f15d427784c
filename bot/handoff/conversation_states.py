"""The conversation state machine of DESIGN.md section 5, and the one function that changes it.

Every status or owner change goes through ``transition``: it rejects an illegal move, changes the row
only if nobody changed it since it was read (compare-and-set on ``conversations.version``, so of two
agents claiming at once exactly one wins), writes the audit row (from, to, actor, when) and the live
event that agents' consoles follow, all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.handoff.thread_control import mirror_ownership
from storage import live_events
from storage.models import Conversation, ConversationEvent

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"bot_active", "escalated", "closed"}),
    "bot_active": frozenset({"escalated", "closed"}),
    "escalated": frozenset({"transferred", "resolved", "closed"}),
    "transferred": frozenset({"bot_active", "resolved", "closed"}),
    "resolved": frozenset({"closed"}),
    "closed": frozenset(),
}
OPEN = frozenset({"new", "bot_active", "escalated", "transferred", "resolved"})
# While a person (or the queue waiting for one) owns the conversation, the bot says nothing.
HUMAN_OWNED = frozenset({"escalated", "transferred"})

ActorKind = Literal["bot", "rule", "agent", "system"]


class IllegalTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"a conversation cannot go from {current!r} to {target!r}")
        self.current = current
        self.target = target


class ConcurrentChange(Exception):
    """Someone changed the conversation since it was read (another agent claimed it first, say)."""

    def __init__(self, conversation_id: int) -> None:
        super().__init__(f"conversation {conversation_id} was changed meanwhile")
        self.conversation_id = conversation_id


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    agent_id: int | None = None

    @classmethod
    def agent(cls, agent_id: int) -> Actor:
        return cls("agent", agent_id)


BOT = Actor("bot")
RULE = Actor("rule")
SYSTEM = Actor("system")

_KEEP = object()


def check_transition(current: str, target: str) -> str:
    """Return ``target`` if the move is allowed (staying put always is), else raise IllegalTransition."""
    if current == target:
        return target
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(current, target)
    return target


async def transition(
    session: AsyncSession,
    conversation: Conversation,
    to_status: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    agent_id: int | object | None = _KEEP,
    mirror_thread: bool = True,
) -> None:
    """Move ``conversation`` (as read in this session) to ``to_status``, optionally changing its owner.

    Raises IllegalTransition for a move DESIGN.md section 5 does not allow, and ConcurrentChange when
    the row changed since it was read; nothing is written then. On Messenger the move is mirrored with the
    Handover Protocol (bot/handoff/thread_control.py) unless ``mirror_thread`` is False: the platform
    told us of the thread's move itself.
    """
    check_transition(conversation.status, to_status)
    new_agent = conversation.assigned_agent_id if agent_id is _KEEP else agent_id
    assert new_agent is None or isinstance(new_agent, int)
    values: dict[str, object] = {
        "status": to_status,
        "assigned_agent_id": new_agent,
        "version": conversation.version + 1,
        "updated_at": now,
    }
    if to_status == "escalated" and conversation.status != "escalated":
        # A new wait: the escalation timeout measures it afresh and may flag it again.
        values["escalated_at"] = now
        values["timeout_flagged_at"] = None
    if to_status == "closed":
        values["closed_at"] = now
    result = await session.execute(
        update(Conversation)
        .where(
            Conversation.tenant_id == conversation.tenant_id,
            Conversation.id == conversation.id,
            Conversation.version == conversation.version,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        raise ConcurrentChange(conversation.id)
    session.add(
        ConversationEvent(
            tenant_id=conversation.tenant_id,
            conversation_id=conversation.id,
            from_status=conversation.status,
            to_status=to_status,
            from_agent_id=conversation.assigned_agent_id,
            to_agent_id=new_agent,
            actor=actor.kind,
            agent_id=actor.agent_id,
            reason=reason,
            created_at=now,
            updated_at=now,
        )
    )
    await live_events.publish(
        session,
        tenant_id=conversation.tenant_id,
        kind="claim" if new_agent != conversation.assigned_agent_id else "status",
        conversation_id=conversation.id,
        payload={
            "from": conversation.status,
            "to": to_status,
            "agent_id": new_agent,
            "actor": actor.kind,
            "actor_agent_id": actor.agent_id,
        },
        now=now,
    )
    from_status = conversation.status
    for key, value in values.items():
        set_committed_value(conversation, key, value)
    if mirror_thread:
        await mirror_ownership(session, conversation, from_status=from_status, to_status=to_status, now=now)
