"""A bot's settings and the rules they follow (persona, model, thresholds, tools, handoff rules).

``BotChanges`` is the one statement of the rules: the admin API validates its bodies with it (and
``BotFields``, its creating twin), and `chatbot bot set` builds one from its options, so a range or a tool
name is checked the same way at both doors.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import AdminError
from bot.tenancy.schema_base import RequestModel, ResponseModel, apply_changes, given_changes
from storage import channels
from storage.models import Bot, Tenant

ToolName = Literal[
    "search_knowledge_base",
    "handoff_to_human",
    "create_checkout_link",
    "get_customer_profile",
    "update_lead_stage",
]
OutOfCreditsAction = Literal["answer", "handoff"]
TOOL_NAMES: tuple[str, ...] = get_args(ToolName)
OUT_OF_CREDITS_CHOICES: tuple[str, ...] = get_args(OutOfCreditsAction)
# Texts and models that may be null: null means the default (the server's model, prompts/*.txt).
NULLABLE = ("model", "fallback_text", "handoff_text")

BotName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ModelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Persona = Annotated[str, StringConstraints(max_length=8000)]
Temperature = Annotated[float, Field(ge=0.0, le=2.0)]
OutputTokens = Annotated[int, Field(ge=16, le=8192)]
Threshold = Annotated[float, Field(ge=0.0, le=1.0)]
SmallCount = Annotated[int, Field(ge=0, le=10)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
IntentName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class BotChanges(RequestModel):
    """What may change on a bot; a field left out keeps its value."""

    name: BotName | None = None
    persona: Persona | None = Field(None, description="who the bot is and how it speaks")
    model: ModelName | None = Field(None, description="Gemini model (null: the server's default)")
    temperature: Temperature | None = None
    max_output_tokens: OutputTokens | None = None
    knowledge_threshold: Threshold | None = Field(None, description="how sure a knowledge answer must be")
    escalation_threshold: Threshold | None = None
    max_tool_rounds: SmallCount | None = Field(None, description="rounds of tool calls per turn")
    tools: Annotated[list[ToolName], Field(max_length=20)] | None = Field(
        None, description="the tools the bot may call"
    )
    handoff_phrases: Annotated[list[Phrase], Field(max_length=100)] | None = Field(
        None, description="a customer's own words for 'a person, please'"
    )
    escalation_intents: Annotated[list[IntentName], Field(max_length=50)] | None = Field(
        None, description="intents that hand the conversation to a person"
    )
    handoff_after_negative: SmallCount | None = Field(None, description="negative messages in a row; 0: off")
    handoff_after_fallbacks: SmallCount | None = None
    handoff_on_llm_failure: bool | None = None
    handoff_text: Text | None = Field(None, description="told once when handed over (null: the default)")
    fallback_text: Text | None = Field(None, description="said when the bot cannot answer (null: default)")
    out_of_credits_action: OutOfCreditsAction | None = None
    active: bool | None = None


class BotFields(BotChanges):
    """A new bot: a name, and any setting to differ from the defaults."""

    name: BotName


class BotView(ResponseModel):
    id: int
    name: str
    persona: str
    model: str | None
    temperature: float
    max_output_tokens: int
    knowledge_threshold: float
    escalation_threshold: float
    max_tool_rounds: int
    tools: list[str]
    handoff_phrases: list[str]
    escalation_intents: list[str]
    handoff_after_negative: int
    handoff_after_fallbacks: int
    handoff_on_llm_failure: bool
    handoff_text: str | None
    fallback_text: str | None
    out_of_credits_action: str
    active: bool

    @classmethod
    def of(cls, bot: Bot) -> BotView:
        return cls.model_validate({**describe(bot), "id": bot.id, "model": bot.model, "active": bot.active})


def bot_values(changes: BotChanges) -> dict[str, Any]:
    """The given changes as column values (``tools`` is stored as ``enabled_tools``; lists deduplicated)."""
    values = given_changes(changes, nullable=NULLABLE)
    for name in ("tools", "handoff_phrases", "escalation_intents"):
        if name in values:
            values[name] = list(dict.fromkeys(values[name]))
    if "tools" in values:
        values["enabled_tools"] = values.pop("tools")
    return values


async def ensure_bot(session: AsyncSession, tenant: Tenant, name: str | None) -> Bot:
    """The named bot, or the tenant's first bot, or a new default bot."""
    if name:
        bot = await channels.get_bot_by_name(session, tenant.id, name)
        if bot is None:
            raise AdminError(f"tenant {tenant.slug!r} has no bot named {name!r}")
        return bot
    bot = await channels.first_bot(session, tenant.id)
    if bot is None:
        bot = Bot(tenant_id=tenant.id, name="Assistant", persona="", enabled_tools=[])
        session.add(bot)
        await session.flush()
    return bot


def describe(bot: Bot) -> dict[str, Any]:
    return {
        "name": bot.name,
        "persona": bot.persona,
        "model": bot.model or "(the server's CHATBOT_GEMINI_MODEL)",
        "temperature": bot.temperature,
        "max_output_tokens": bot.max_output_tokens,
        "knowledge_threshold": bot.knowledge_threshold,
        "escalation_threshold": bot.escalation_threshold,
        "handoff_after_fallbacks": bot.handoff_after_fallbacks,
        "max_tool_rounds": bot.max_tool_rounds,
        "handoff_on_llm_failure": bot.handoff_on_llm_failure,
        "out_of_credits_action": bot.out_of_credits_action,
        "fallback_text": bot.fallback_text,
        "tools": list(bot.enabled_tools),
        "handoff_phrases": list(bot.handoff_phrases),
        "escalation_intents": list(bot.escalation_intents),
        "handoff_after_negative": bot.handoff_after_negative,
        "handoff_text": bot.handoff_text,
    }


async def update_bot(session: AsyncSession, tenant: Tenant, name: str | None, changes: BotChanges) -> Bot:
    """Apply the given changes to the tenant's named (or first) bot (`chatbot bot set`)."""
    bot = await ensure_bot(session, tenant, name)
    apply_changes(bot, bot_values(changes))
    await session.flush()
    return bot
