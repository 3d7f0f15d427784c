"""Bots and the platform channels that route customers to them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.declarative import Base, BigId, TenantOwned, one_of

PLATFORMS = ("messenger", "whatsapp", "groupme", "console")
# What a bot does when the LLM may not be used for a turn (the tenant is out of credits): answer offline
# (a knowledge answer or the fallback reply) or hand the conversation to a person.
OUT_OF_CREDITS_ACTIONS = ("answer", "handoff")


class Bot(Base, TenantOwned):
    __tablename__ = "bots"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        CheckConstraint("temperature >= 0 AND temperature <= 2", name="temperature_range"),
        CheckConstraint("max_tool_rounds >= 0 AND max_tool_rounds <= 10", name="tool_rounds_range"),
        one_of("out_of_credits_action", OUT_OF_CREDITS_ACTIONS),
    )

    name: Mapped[str] = mapped_column(String(100))
    persona: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str | None] = mapped_column(String(100))
    temperature: Mapped[float] = mapped_column(Float, default=0.3)
    max_output_tokens: Mapped[int] = mapped_column(Integer, default=512)
    knowledge_threshold: Mapped[float] = mapped_column(Float, default=0.35)
    escalation_threshold: Mapped[float] = mapped_column(Float, default=0.55)
    handoff_after_fallbacks: Mapped[int] = mapped_column(Integer, default=2)
    max_tool_rounds: Mapped[int] = mapped_column(Integer, default=3)
    # When the LLM cannot answer (errors past the retry budget, a safety block): hand over, not apologise.
    handoff_on_llm_failure: Mapped[bool] = mapped_column(Boolean, default=False)
    out_of_credits_action: Mapped[str] = mapped_column(String(10), default="answer", server_default="answer")
    fallback_text: Mapped[str | None] = mapped_column(Text)
    # Handoff rules: the customer's own words for "a person, please" (besides the human_request intent),
    # intents that escalate above escalation_threshold, and negative messages in a row (0: off).
    handoff_phrases: Mapped[list[Any]] = mapped_column(default=list)
    escalation_intents: Mapped[list[Any]] = mapped_column(default=lambda: ["complaint"])
    handoff_after_negative: Mapped[int] = mapped_column(Integer, default=3)
    # What the customer is told once when handed over (None: prompts/handoff.txt).
    handoff_text: Mapped[str | None] = mapped_column(Text)
    enabled_tools: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Channel(Base, TenantOwned):
    __tablename__ = "channels"
    __table_args__ = (one_of("platform", PLATFORMS), UniqueConstraint("platform", "external_id"))

    bot_id: Mapped[int] = mapped_column(BigId, ForeignKey("bots.id"))
    platform: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    # page id (Messenger), phone number id (WhatsApp), bot id (GroupMe), a local name (console)
    external_id: Mapped[str] = mapped_column(String(128))
    group_id: Mapped[str | None] = mapped_column(String(128))
    webhook_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Fernet token of a JSON object (access token, app secret, verify token); never stored in clear
    credentials_encrypted: Mapped[str | None] = mapped_column(Text)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    needs_credentials: Mapped[bool] = mapped_column(Boolean, default=False)
