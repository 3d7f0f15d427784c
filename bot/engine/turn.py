"""Plain data in and out of the engine: a Turn goes in with its ports, a Decision comes out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

Route = Literal["silent", "command", "template", "knowledge", "llm", "fallback"]
Role = Literal["user", "assistant", "agent", "system"]


@dataclass(frozen=True)
class BotSettings:
    bot_id: int
    name: str
    persona: str = ""
    knowledge_threshold: float = 0.35
    handoff_after_fallbacks: int = 2
    fallback_text: str | None = None


@dataclass(frozen=True)
class CustomerInfo:
    customer_id: int
    first_name: str | None = None
    full_name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ConversationState:
    conversation_id: int
    status: str
    consecutive_fallbacks: int = 0


@dataclass(frozen=True)
class HistoryItem:
    role: Role
    text: str


@dataclass(frozen=True)
class InboundText:
    text: str | None
    kind: str = "text"
    payload: str | None = None


@dataclass(frozen=True)
class TemplateInfo:
    template_id: int
    name: str
    trigger_keywords: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class CommandInfo:
    command_id: int
    command: str
    response: str


@dataclass(frozen=True)
class Turn:
    tenant_id: int
    tenant_name: str
    bot: BotSettings
    conversation: ConversationState
    customer: CustomerInfo
    inbound: InboundText
    history: tuple[HistoryItem, ...] = ()
    templates: tuple[TemplateInfo, ...] = ()
    commands: tuple[CommandInfo, ...] = ()


@dataclass(frozen=True)
class KnowledgeHit:
    entry_id: int
    question: str
    answer: str
    score: float


class KnowledgeBase(Protocol):
    """Port: the tenant's knowledge base, already scoped to the turn's tenant by the runtime."""

    async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]: ...


@dataclass(frozen=True)
class Ports:
    knowledge: KnowledgeBase


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    route: Route
    replies: tuple[Reply, ...] = ()
    intent: str | None = None
    intent_score: float | None = None
    sentiment: str | None = None
    sentiment_score: float | None = None
    command_id: int | None = None
    template_id: int | None = None
    knowledge_entry_ids: tuple[int, ...] = field(default_factory=tuple)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    consecutive_fallbacks: int = 0
    handoff_reason: str | None = None


class Engine(Protocol):
    async def decide(self, turn: Turn, ports: Ports) -> Decision: ...
