"""Decide one turn offline: silence, a custom command, a template, a knowledge answer or a fallback."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import prompts
from bot.engine.intents.scorer import IntentScorer
from bot.engine.render import render, turn_values
from bot.engine.types import CommandInfo, Decision, KnowledgeHit, Ports, Reply, TemplateInfo, Turn

__all__ = ["HANDED_TO_HUMAN", "REPEATED_FALLBACK", "Router", "match_command", "match_template"]

# While an agent owns the conversation, anything the bot said would talk over them.
HANDED_TO_HUMAN = frozenset({"escalated", "transferred"})
REPEATED_FALLBACK = "repeated_fallback"

# A knowledge question never needs more than this; capping it bounds the cost of a pasted essay
# without changing the answer to anything a customer would really ask.
MAX_KNOWLEDGE_QUERY_CHARS = 2000
KNOWLEDGE_LIMIT = 3

_WORD = re.compile(r"\w+")
# "!price?" and "!price," are still the price command.
_COMMAND_TRAILING_PUNCTUATION = ".,;:!?"


@functools.cache
def shared_scorer() -> IntentScorer:
    """One scorer per process: building its index takes ~60 ms, scoring takes well under one."""
    return IntentScorer()


class Router:
    """The Engine: first match wins, in the order of DESIGN section 4; the LLM answers when configured."""

    def __init__(
        self, scorer: IntentScorer | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._scorer = scorer or shared_scorer()
        self._clock = clock

    async def decide(self, turn: Turn, ports: Ports) -> Decision:
        started = self._clock()
        decision = await self._route(turn, ports)
        elapsed_ms = max(0, round((self._clock() - started) * 1000))
        return replace(decision, latency_ms=elapsed_ms)

    async def _route(self, turn: Turn, ports: Ports) -> Decision:
        if turn.conversation.status in HANDED_TO_HUMAN:
            return Decision(route="silent")

        values = turn_values(turn)
        text = (turn.inbound.text or "").strip()
        if not text:
            # An image, sticker or empty message: say what we can read instead of guessing.
            return _fallback(turn, render(prompts.load("unsupported_message"), values))

        command = match_command(text, turn.commands)
        if command is not None:
            return Decision(
                route="command",
                replies=(Reply(render(command.response, values)),),
                command_id=command.command_id,
            )

        if ports.intents is not None:
            scored = await ports.intents.score(text, turn.intents)
        else:
            scored = self._scorer.score(text, turn.intents)
        decision = await self._answer(turn, ports, text)
        return replace(
            decision,
            intent=scored.intent,
            intent_score=scored.intent_score,
            sentiment=scored.sentiment,
            sentiment_score=scored.sentiment_score,
        )

    async def _answer(self, turn: Turn, ports: Ports, text: str) -> Decision:
        values = turn_values(turn)
        template = match_template(text, turn.templates)
        if template is not None:
            return Decision(
                route="template",
                replies=(Reply(render(template.body, values)),),
                template_id=template.template_id,
            )

        hits = await ports.knowledge.search(text[:MAX_KNOWLEDGE_QUERY_CHARS], limit=KNOWLEDGE_LIMIT)
        if ports.llm is not None:
            return await ports.llm.answer(turn, ports, hits)
        best = _best_hit(hits)
        if best is not None and best.score >= turn.bot.knowledge_threshold:
            return Decision(
                route="knowledge",
                replies=(Reply(render(best.answer, values)),),
                knowledge_entry_ids=(best.entry_id,),
            )

        fallback_text = turn.bot.fallback_text
        if fallback_text is None or not fallback_text.strip():
            fallback_text = prompts.load("fallback")
        return _fallback(turn, render(fallback_text, values))


def match_command(text: str, commands: Sequence[CommandInfo]) -> CommandInfo | None:
    """The command named by the first word of ``text`` ("!PRICE please" -> price), if any."""
    first_word = text.split(maxsplit=1)[0] if text.strip() else ""
    if not first_word.startswith("!"):
        return None
    name = first_word[1:].rstrip(_COMMAND_TRAILING_PUNCTUATION).casefold()
    if not name:
        return None
    for command in commands:
        # Tenants store commands both as "price" and as "!price".
        if command.command.strip().lstrip("!").casefold() == name:
            return command
    return None


def match_template(text: str, templates: Sequence[TemplateInfo]) -> TemplateInfo | None:
    """The template whose trigger keywords match ``text`` best, or None.

    A keyword matches as a whole word or phrase, ignoring case and punctuation, so "price" matches
    "Price?" but not "priceless". The template matching the most keywords wins, then the one whose
    matches are longest (so "price list" beats "price"); a tie goes to the earlier template.
    """
    haystack = _phrase(text)
    if haystack == "  ":
        return None
    best: TemplateInfo | None = None
    best_rank = (0, 0, 0)
    for template in templates:
        matched = [
            keyword
            for keyword in {_phrase(raw) for raw in template.trigger_keywords}
            if keyword.strip() and keyword in haystack
        ]
        if not matched:
            continue
        rank = (len(matched), sum(len(k.split()) for k in matched), sum(len(k) for k in matched))
        if rank > best_rank:
            best, best_rank = template, rank
    return best


def _phrase(text: str) -> str:
    # Words joined by single spaces and padded at both ends, so a substring test is a whole-word test.
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


def _best_hit(hits: Sequence[KnowledgeHit]) -> KnowledgeHit | None:
    # The port promises best first, but a ranking bug elsewhere should not pick a worse answer here.
    return max(hits, key=lambda hit: hit.score, default=None)


def _fallback(turn: Turn, text: str) -> Decision:
    count = turn.conversation.consecutive_fallbacks + 1
    limit = turn.bot.handoff_after_fallbacks
    return Decision(
        route="fallback",
        replies=(Reply(text),),
        consecutive_fallbacks=count,
        handoff_reason=REPEATED_FALLBACK if limit > 0 and count >= limit else None,
    )
