"""The agent API's answers that wrap the handoff services' plain data (``{"conversations": [...]}``, ...).

Frozen dataclasses like the views they carry (bot/handoff/agent_views.py): each route declares one as its
response, the OpenAPI document shows its JSON Schema, and ``AgentCall.answer`` refuses any other type.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.handoff.agent_views import LeadView, MessageView, NoteView, QueueItem, TeamMember
from bot.leads.forgetting import Forgotten


@dataclass(frozen=True)
class TenantRef:
    id: int
    name: str
    slug: str


@dataclass(frozen=True)
class Me:
    """The agent a token belongs to, and its tenant."""

    id: int
    name: str
    role: str
    capacity: int
    tenant: TenantRef


@dataclass(frozen=True)
class ConversationList:
    conversations: tuple[QueueItem, ...]


@dataclass(frozen=True)
class Team:
    agents: tuple[TeamMember, ...]


@dataclass(frozen=True)
class PostedReply:
    message: MessageView


@dataclass(frozen=True)
class PostedNote:
    note: NoteView


@dataclass(frozen=True)
class CustomerLead:
    customer: LeadView


@dataclass(frozen=True)
class CustomerForgotten:
    forgotten: Forgotten
