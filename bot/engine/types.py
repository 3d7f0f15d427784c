"""Plain data in and out of the engine: a Turn goes in with its ports, a Decision comes out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

# "clarify" is a question back to the customer (which of two entries they meant, or their order number).
Route = Literal[
    "silent", "command", "template", "knowledge", "llm", "fallback", "handoff", "feedback", "clarify"
]
Role = Literal["user", "assistant", "agent", "system"]
# What a bot does when the LLM may not answer a turn (out of credits): answer offline, or hand over.
OutOfCreditsAction = Literal["answer", "handoff"]
# What became of the agent's briefing a rule's handoff asked the model for (Decision.handoff_briefing).
HandoffBriefingOutcome = Literal["written", "failed"]


@dataclass(frozen=True)
class BotSettings:
    bot_id: int
    name: str
    persona: str = ""
    knowledge_threshold: float = 0.35
    handoff_after_fallbacks: int = 2
    fallback_text: str | None = None
    # LLM settings (used only when an LLM provider is configured)
    model: str | None = None
    temperature: float = 0.3
    max_output_tokens: int = 512
    enabled_tools: tuple[str, ...] = ()
    max_tool_rounds: int = 3
    escalation_threshold: float = 0.55
    handoff_on_llm_failure: bool = False
    out_of_credits_action: OutOfCreditsAction = "answer"
    # Handoff rules (see engine/handoff_rules.py).
    handoff_phrases: tuple[str, ...] = ()
    escalation_intents: tuple[str, ...] = ("complaint",)
    handoff_after_negative: int = 3
    handoff_text: str | None = None


@dataclass(frozen=True)
class CustomerInfo:
    # None until the customer's first message is stored with its turn.
    customer_id: int | None
    first_name: str | None = None
    full_name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ConversationState:
    # None when this message starts a new conversation (it is opened with the turn's other writes).
    conversation_id: int | None
    status: str
    consecutive_fallbacks: int = 0
    consecutive_negative: int = 0
    # Resolved by an agent, asked for a rating and not rated yet: a rating answer is taken as one.
    awaiting_rating: bool = False


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
class IntentDefinition:
    """A tenant-defined intent: a name and example phrases customers use for it."""

    name: str
    examples: tuple[str, ...]


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
    intents: tuple[IntentDefinition, ...] = ()
    lead_stage: str = "intake"
    lead_score: int = 0
    # For the handoff summary: the conversation's last intents, where the customer came from.
    recent_intents: tuple[str, ...] = ()
    source: str | None = None
    # Outside the tenant's business hours: when someone will answer (told on a handoff).
    out_of_hours_note: str | None = None
    # Hosts create_checkout_link may point at (each with its subdomains); empty: it makes no links.
    allowed_link_domains: tuple[str, ...] = ()


MatchKind = Literal["word", "synonym", "related", "typo", "phrase", "hint"]


@dataclass(frozen=True)
class KnowledgeMatch:
    """Why an entry matched: one part of the customer's text and what it met in the entry.

    ``said`` is the customer's word or phrase as written ("shiping", "how much"); ``matched`` the
    entry's word stem or synonym group ("ship", "price"); ``kind`` how they met: the same word, a
    synonym (curated or the tenant's own), a word WordNet relates to it ("related"), a corrected typo,
    a known phrase, or a word that only suggests a group ("hint": "germany" for shipping abroad);
    ``field`` where:
    "question", "answer", "keywords" or "category".
    """

    said: str
    matched: str
    kind: MatchKind
    field: str


@dataclass(frozen=True)
class KnowledgeHit:
    entry_id: int
    question: str
    answer: str
    # In 0..1: the share of the customer's question (weighted by how telling each word is) that this
    # entry answers. Comparable with the bot's knowledge_threshold; see bot/engine/knowledge_search.py.
    score: float
    category: str | None = None
    matches: tuple[KnowledgeMatch, ...] = ()
    # The parts of the customer's text that no entry of the knowledge base knows at all.
    unmatched: tuple[str, ...] = ()
    # What the question is about when it is something the tenant never names ("amazon" in "track my
    # amazon parcel"): the search scored it down (bot/engine/knowledge_query.py, foreign_subject).
    foreign_subject: str | None = None


class KnowledgeBase(Protocol):
    """Port: the tenant's knowledge base, already scoped to the turn's tenant by the runtime."""

    async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]: ...


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call the model made in a turn, as stored in ``tool_calls``."""

    tool: str
    arguments: Mapping[str, Any]
    result: Mapping[str, Any] | None
    success: bool
    duration_ms: int
    error: str | None = None


@dataclass(frozen=True)
class LeadChange:
    """A change to the customer's lead (stage or score) decided during the turn."""

    field: Literal["stage", "score"]
    new_value: str
    reason: str
    automated: bool = True


@dataclass(frozen=True)
class TrackedLinkRequest:
    """A tracked link the turn handed out (``/r/{token}``); the runtime stores it with the turn."""

    token: str
    target_url: str
    product: str | None = None


@dataclass(frozen=True)
class HandoffBriefing:
    """The model's briefing for the agent taking over, and what asking for it used.

    ``text`` is None when the model gave no usable briefing (an error, a timeout, a block): the agent
    gets the stored facts. The tokens are what the API reported (none when no response came back);
    they reach the turn's usage like an answer's (``Decision.prompt_tokens``, ...).
    """

    text: str | None
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LLMProvider(Protocol):
    """Port: an LLM that answers a turn, calling tools through the turn's tool context."""

    async def answer(self, turn: Turn, ports: Ports, knowledge: Sequence[KnowledgeHit]) -> Decision: ...

    async def summarize_handoff(self, turn: Turn, facts: str) -> HandoffBriefing:
        """A short briefing for the agent taking over (its text None when the model cannot give one now)."""


@dataclass(frozen=True)
class IntentResult:
    """What one inbound text expresses.

    ``intent_score`` is in 0..1: how similar the text is to the chosen intent's example phrases
    (1.0 for a text equal to one of them). When no intent reaches the scorer's threshold the intent is
    "other" and the score is that best (low) one: how close the scorer came to recognising anything.

    ``sentiment_score`` is VADER's compound score in -1..1 (-1 most negative, +1 most positive);
    ``sentiment`` reads it with VADER's cut-offs: >= 0.05 positive, <= -0.05 negative, else neutral.
    """

    intent: str
    intent_score: float
    sentiment: str
    sentiment_score: float
    # What reading the text used, for the turn's meter. ``model`` is the model asked to read it (None: the
    # local scorer read it, for free); ``model_failed`` says the model gave no usable reading, so this
    # one is the local scorer's and costs no credits. The tokens are what the model's API reported (0 for
    # the local scorer, and for a call that got no response).
    model: str | None = None
    model_failed: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class IntentReadingUsage:
    """What the model's intent reading of the customer's message used (``Decision.intent_reading``).

    The pipeline meters it with the turn: its cost joins the turn's other model calls in the turn's one
    charge (bot/billing/turn_credits.py), and it has a usage row of its own (``intent_reading``).
    """

    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # The model gave no usable reading (an error, a timeout, an answer outside the schema): no credits.
    failed: bool = False


class IntentPort(Protocol):
    """Port: an intent and sentiment scorer that may call out (the optional LLM scorer).

    A scorer that calls a model says so on its result (``IntentResult.model`` and tokens), so the turn
    can meter the call; the engine asks the admission port (``admit_reading``) before it uses one.
    """

    async def score(self, text: str, tenant_intents: Sequence[IntentDefinition] = ()) -> IntentResult: ...


@dataclass(frozen=True)
class Admission:
    """Whether the LLM may answer this turn, and if not, why (``out_of_credits``, a rate limit, ...)."""

    admitted: bool
    reason: str | None = None


ADMITTED = Admission(True)
# Refusals for a customer flooding the bot (bot/billing/rate_limits.py), each stored as the turn's usage
# type: the first message over the customer's limit gets the flood notice, the later ones of that
# minute only a confident knowledge answer, or nothing.
FLOOD_NOTICE = "flood_notice"
CUSTOMER_FLOOD = "customer_flood"


class AdmissionPort(Protocol):
    """Port: asked once, right before the LLM is called for a turn (credits, rate limits), whether for
    its answer or for the agent's briefing on a rule's handoff; and, apart from that, before the model
    reads the message's intent (credits only).

    Admitting may hold credits for the turn; the runtime settles them when it stores the turn. A turn
    holds credits once: whichever call comes first takes the hold, and the later one uses it.
    """

    async def admit(self, turn: Turn) -> Admission: ...

    async def admit_reading(self, turn: Turn) -> Admission:
        """May the model read this message's intent? Asks the credits only, never the rate limits.

        The plan's rate limits and flood control count the turns the model answers, and ``admit`` asks
        them for this turn whatever this answers: a refusal here (out of credits) is the reading's alone,
        and the engine then reads the message with the local scorer, for free.
        """


@dataclass(frozen=True)
class Ports:
    knowledge: KnowledgeBase
    llm: LLMProvider | None = None
    intents: IntentPort | None = None
    # None: every LLM turn is admitted (the engine's own tests, tools without a database).
    admission: AdmissionPort | None = None


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
    consecutive_negative: int = 0
    # A handoff to a person: which rule (customer_request, intent, sentiment, fallback, llm_tool), why,
    # and the summary the agent reads first. The pipeline escalates when the trigger is set.
    handoff_trigger: str | None = None
    handoff_reason: str | None = None
    handoff_summary: str | None = None
    tool_calls: tuple[ToolCallRecord, ...] = ()
    lead_changes: tuple[LeadChange, ...] = ()
    tracked_links: tuple[TrackedLinkRequest, ...] = ()
    model: str | None = None
    finish_reason: str | None = None
    # The LLM failed (errors, safety, budget): the fallback reply went out and the turn costs no credits.
    llm_failed: bool = False
    # The LLM was not asked because the admission refused it: why (``out_of_credits``, ...). The turn was
    # answered without it (an offline answer, or a handoff, by the bot's out_of_credits_action), or a
    # rule's handoff went to the agent with the stored facts instead of the model's briefing.
    llm_denied: str | None = None
    # A rule's handoff asked the model for the agent's briefing (bot/engine/router.py): "written", or
    # "failed" (the agent got the stored facts). The call's tokens and model are the turn's
    # prompt_tokens, completion_tokens and model, metered like an answer's; a failed one costs no credits.
    handoff_briefing: HandoffBriefingOutcome | None = None
    # The model read the message's intent (the optional LLM intent scorer): its model and tokens, which
    # are metered with the turn's own (one charge per turn), and whether it failed.
    intent_reading: IntentReadingUsage | None = None
    # The customer's answer to the rating question after a resolve (stored as feedback).
    rating: int | None = None
    rating_comment: str | None = None
    # Why the engine chose this route, in a sentence for people ("pricing intent: answered from command
    # !price"); shown by `chatbot kb test`, never sent to the customer.
    explanation: str | None = None
    # How the message alone read, when the answer read its intent again (bot/engine/answered_intent.py):
    # "support (0.43)"; shown by `chatbot kb test`.
    intent_as_written: str | None = None
    # The rules' reading, when the learned correction read the turn's intent again
    # (bot/engine/intents/correction.py): "product_inquiry (0.52)"; shown by `chatbot kb test`.
    intent_learned_from: str | None = None
    # How the local scorer reads the question of the first entry the offline answer offers ("support"
    # for "How do I cancel my subscription?"): one of what the learned correction reads.
    offered_entry_intent: str | None = None

    def evolved(self, **changes: Any) -> Decision:
        """A copy with ``changes``, as dataclasses.replace makes it but without running ``__init__``
        again: a frozen dataclass of this size takes a setattr call per field, and a turn makes several
        copies."""
        unknown = changes.keys() - self.__dict__.keys()
        if unknown:
            raise TypeError(f"Decision has no field {sorted(unknown)}")
        copy = object.__new__(Decision)
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(changes)
        return copy


class Engine(Protocol):
    async def decide(self, turn: Turn, ports: Ports) -> Decision: ...
