"""What the agents' API shows: the queue item, the conversation card, a transcript page (plain data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AgentRef:
    id: int
    name: str


@dataclass(frozen=True)
class TeamMember:
    """A colleague as a transfer sees them: available now, and how full."""

    id: int
    name: str
    role: str
    available: bool
    open_conversations: int
    capacity: int


@dataclass(frozen=True)
class Party:
    """Who the conversation is with: a customer, or a GroupMe group (then ``id`` is None)."""

    id: int | None
    name: str | None


@dataclass(frozen=True)
class ChannelInfo:
    id: int
    platform: str


@dataclass(frozen=True)
class LastMessage:
    text: str | None
    at: datetime


@dataclass(frozen=True)
class QueueItem:
    id: int
    status: str
    waiting_since: datetime | None
    wait_seconds: int
    # 1 is the oldest; in an agent's own list, its place there.
    position: int
    customer: Party
    channel: ChannelInfo
    reason: str | None
    trigger: str | None
    # Unclaimed past the tenant's escalation timeout (since ``flagged_at``; the customer was told then).
    flagged: bool
    flagged_at: datetime | None
    last_message: LastMessage | None
    assigned_agent_id: int | None


@dataclass(frozen=True)
class CustomerCard:
    id: int | None
    name: str | None
    phone: str | None
    lead_stage: str | None
    lead_score: int | None
    lead_label: str | None
    customer_type: str | None


@dataclass(frozen=True)
class LeadView:
    """A customer's lead after an agent set it by hand."""

    id: int
    lead_stage: str
    lead_score: int
    lead_label: str
    customer_type: str


@dataclass(frozen=True)
class Source:
    """Where the customer came from: an ad, a post or a referral (first touch)."""

    kind: str
    ad_id: str | None
    post_id: str | None


@dataclass(frozen=True)
class HandoffInfo:
    trigger: str
    reason: str
    summary: str | None
    requested_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    notes: str | None


@dataclass(frozen=True)
class WindowInfo:
    """What an agent's reply may be now: free text (maybe tagged), or only the channel's template."""

    free_text: bool
    until: datetime | None
    needs_template: bool
    tag: str | None
    # The channel's template for replies outside the window (WhatsApp), if one is configured.
    template: str | None


@dataclass(frozen=True)
class NoteView:
    id: int
    agent: AgentRef | None
    text: str
    at: datetime


@dataclass(frozen=True)
class CannedReply:
    """One of the tenant's templates as an agent's canned reply for this customer."""

    id: int
    name: str
    # The template with this customer's placeholders filled: what a canned reply would send.
    preview: str


@dataclass(frozen=True)
class ConversationDetail:
    id: int
    status: str
    version: int
    assigned_agent: AgentRef | None
    customer: CustomerCard
    channel: ChannelInfo
    source: Source | None
    handoff: HandoffInfo | None
    window: WindowInfo
    notes: tuple[NoteView, ...]
    templates: tuple[CannedReply, ...]
    flagged: bool


@dataclass(frozen=True)
class ToolCallView:
    tool: str
    arguments: dict[str, Any]
    result: dict[str, Any] | None
    success: bool
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class MessageView:
    id: int
    role: str
    direction: str
    type: str
    text: str | None
    status: str
    at: datetime
    intent: str | None
    intent_score: float | None
    sentiment: str | None
    failure_reason: str | None
    agent_id: int | None
    tool_calls: tuple[ToolCallView, ...]


@dataclass(frozen=True)
class TranscriptPage:
    messages: tuple[MessageView, ...]
    # Opaque: pass it as ``before`` for the next (older) page; None on the last page.
    next: str | None
