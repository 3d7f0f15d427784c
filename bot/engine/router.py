"""Decide one turn: silence, a custom command, a handoff, a template, the LLM or the offline answer."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Literal

import prompts
from bot.engine import handoff_rules, offline
from bot.engine.answered_intent import OTHER, as_answered, command_reading
from bot.engine.intent_steering import (
    COMPLAINT,
    ORDER_STATUS,
    courtesy_template,
    question_after_greeting,
    template_fits,
    without_address,
)
from bot.engine.intents import correction
from bot.engine.intents.correction import IntentCorrection
from bot.engine.intents.scorer import IntentScorer
from bot.engine.offline import KNOWLEDGE_LIMIT, MAX_KNOWLEDGE_QUERY_CHARS, REPEATED_FALLBACK
from bot.engine.ratings import parse_rating
from bot.engine.render import render, turn_values
from bot.engine.triggers import match_command, match_template
from bot.engine.types import (
    ADMITTED,
    CUSTOMER_FLOOD,
    FLOOD_NOTICE,
    Decision,
    IntentDefinition,
    IntentReadingUsage,
    IntentResult,
    KnowledgeHit,
    LLMProvider,
    Ports,
    Reply,
    TemplateInfo,
    Turn,
)

__all__ = [
    "HANDED_TO_HUMAN",
    "KNOWLEDGE_LIMIT",
    "MAX_KNOWLEDGE_QUERY_CHARS",
    "REPEATED_FALLBACK",
    "Router",
]

# While an agent owns the conversation, anything the bot said would talk over them.
HANDED_TO_HUMAN = frozenset({"escalated", "transferred"})


@functools.cache
def shared_scorer() -> IntentScorer:
    """One scorer per process: building its index takes ~60 ms, scoring takes well under one."""
    return IntentScorer()


class Router:
    """The Engine: first match wins, in the order of DESIGN section 4; the LLM answers when configured."""

    def __init__(
        self,
        scorer: IntentScorer | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        intent_correction: IntentCorrection | Literal["shipped"] | None = "shipped",
    ) -> None:
        self._scorer = scorer or shared_scorer()
        self._clock = clock
        self._correction = correction.shipped() if intent_correction == "shipped" else intent_correction

    async def decide(self, turn: Turn, ports: Ports) -> Decision:
        started = self._clock()
        decision = self._read_again(turn, await self._route(turn, ports))
        elapsed_ms = max(0, round((self._clock() - started) * 1000))
        return decision.evolved(latency_ms=elapsed_ms)

    def _read_again(self, turn: Turn, decision: Decision) -> Decision:
        """The turn's intent as the learned correction reads it (bot/engine/intents/correction.py), when
        no model took part (the local scorer read the message, the offline engine answered); the route
        and replies stay as they are."""
        text = (turn.inbound.text or "").strip()
        model = self._correction
        if (
            model is None
            or decision.intent is None
            or decision.intent_reading is not None
            or decision.model is not None
            or not text
        ):
            return decision
        intent = model.reading(
            text, decision.intent, decision.route, decision.offered_entry_intent, decision.sentiment
        )
        if intent == decision.intent:
            return decision
        return self._recording(
            decision,
            turn,
            text,
            intent,
            decision.intent_score or 0.0,
            learned_from=f"{decision.intent} ({decision.intent_score or 0.0:.2f})",
        )

    def _recording(
        self,
        decision: Decision,
        turn: Turn,
        text: str,
        intent: str,
        score: float,
        *,
        as_written: str | None = None,
        learned_from: str | None = None,
    ) -> Decision:
        """``decision`` recording ``intent`` read again; its score stays the message's own: how close
        ``text``'s words are to ``intent`` (``score``, the earlier reading's, for ``other``)."""
        if intent != OTHER:
            score = self._scorer.intent_scores(text, turn.intents).get(intent, 0.0)
        return decision.evolved(
            intent=intent,
            intent_score=score,
            intent_as_written=as_written or decision.intent_as_written,
            intent_learned_from=learned_from or decision.intent_learned_from,
        )

    async def _route(self, turn: Turn, ports: Ports) -> Decision:
        values = turn_values(turn)
        # "hi Bean": the bot's name, said to it, is no question about beans.
        text = without_address((turn.inbound.text or "").strip(), turn.bot.name)
        if turn.conversation.status in HANDED_TO_HUMAN:
            # A person owns the conversation: the bot says nothing, but the agent still sees what the
            # customer's message expresses.
            if not text:
                return Decision(route="silent", consecutive_negative=turn.conversation.consecutive_negative)
            scored = await self._score(text, turn, ports)
            return _scored(Decision(route="silent"), turn, scored)
        if turn.conversation.awaiting_rating:
            rating = parse_rating(text, turn.inbound.payload)
            if rating is not None:
                return Decision(
                    route="feedback",
                    replies=(Reply(render(prompts.load("csat_thanks"), values)),),
                    rating=rating.score,
                    rating_comment=rating.comment,
                )
        if not text:
            # An image, sticker or empty message: say what we can read instead of guessing.
            return offline.fallback(
                turn, render(prompts.load("unsupported_message"), values), "not a text message"
            )

        command = match_command(text, turn.commands)
        if command is not None:
            # "!plans" says nothing but the command's name: the turn is about what the command answers,
            # read from its response's opening (bot/engine/answered_intent.py). Only the local scorer
            # reads a command turn: it is never worth a call to a model.
            intent, score = command_reading(command, self._reader(turn))
            decision = Decision(
                route="command",
                replies=(Reply(render(command.response, values)),),
                command_id=command.command_id,
                intent=intent,
                intent_score=score,
                explanation=f"the message starts with the command {command.command}",
            )
            return _scored(decision, turn, self._scorer.score(text, turn.intents))

        scored = await self._score(text, turn, ports)
        rule = handoff_rules.rule_for(turn, text, scored)
        if (
            rule is not None
            and scored.intent == COMPLAINT
            and offline.awaits_an_order(text)
            and not handoff_rules.sounds_angry(text)
        ):
            # "Ordered beans a week ago and still nothing" is unhappy, but what the customer wants is
            # the order: it is asked for its number and answered from tracking, like any order status
            # question. Shouting or condemning ("this is ridiculous") still goes to a person.
            scored = replace(scored, intent=ORDER_STATUS)
            rule = None
        # A complaint the knowledge base answers ("the parcel came crushed" -> what to do about a damaged
        # order) gets that answer first, however upset the customer sounds ("absolutely furious, second
        # parcel in a row turned up crushed!!"): the entry written for the problem is what helps, and the
        # customer can still ask for a person. One that passes a verdict on the business or demands
        # ("unacceptable", "terrible service", "sort it out") goes to a person. A complaint read only
        # weakly (offline.WEAK_COMPLAINT), its words mostly another question's, defers to the entries it
        # nearly meets: the offline answer offers them.
        if (
            rule is not None
            and rule.trigger == "intent"
            and not handoff_rules.passes_verdict(text)
            and await self._best_score(turn, ports, text, scored)
            >= self._answer_bar(turn.bot.knowledge_threshold, scored)
        ):
            rule = None
        if rule is not None:
            decision = _handoff(turn, rule, scored)
            if ports.llm is not None and decision.handoff_summary is not None:
                # With Gemini configured the agent gets the model's briefing; the facts stay the fallback.
                decision = await _briefed(turn, ports, ports.llm, decision, decision.handoff_summary)
        else:
            decision = await self._answer(turn, ports, text, scored)
            if decision.handoff_trigger is not None and decision.handoff_summary is None:
                request = handoff_rules.HandoffRequest(
                    decision.handoff_trigger, decision.handoff_reason or ""
                )
                decision = replace(decision, handoff_summary=handoff_rules.summary(turn, request, scored))
        return _scored(decision, turn, scored)

    @staticmethod
    def _answer_bar(threshold: float, scored: IntentResult) -> float:
        """How well an entry must meet a complaint for the escalation rule to defer to the answer."""
        if scored.intent == COMPLAINT and scored.intent_score < offline.WEAK_COMPLAINT:
            return offline.SUGGEST_SHARE * threshold
        return threshold

    async def _best_score(self, turn: Turn, ports: Ports, text: str, scored: IntentResult) -> float:
        question = question_after_greeting(text, scored.intent)
        hits = await ports.knowledge.search(question[:MAX_KNOWLEDGE_QUERY_CHARS], limit=1)
        return max((hit.score for hit in hits), default=0.0)

    async def _score(self, text: str, turn: Turn, ports: Ports) -> IntentResult:
        """The message's reading: the LLM scorer's when one is configured and the tenant may pay for it.

        A model's reading costs tokens, so it is asked for only once the admission port holds the turn's
        credits (credits only: the rate limits and flood control are the answer's gate, asked later
        whatever this answers). Out of credits, the local scorer reads the message, for free, and the
        turn goes on as it would.
        """
        if ports.intents is None:
            return self._scorer.score(text, turn.intents)
        admission = ADMITTED if ports.admission is None else await ports.admission.admit_reading(turn)
        if not admission.admitted:
            return self._scorer.score(text, turn.intents)
        return await ports.intents.score(text, turn.intents)

    async def _answer(self, turn: Turn, ports: Ports, text: str, scored: IntentResult) -> Decision:
        values = turn_values(turn)
        answered = await offline.follow_up(turn, ports, text)
        if answered is not None:
            return answered
        # "Hi, how much is a bag of the house blend?" is a pricing question, not a greeting.
        question = question_after_greeting(text, scored.intent)
        template = match_template(question, turn.templates)
        if template is None or not template_fits(template, question, scored.intent):
            template = courtesy_template(scored.intent, scored.intent_score, question, turn.templates)
        if template is not None:
            return _template(template, values, f"template {template.name!r} matched its trigger keywords")

        hits = await ports.knowledge.search(question[:MAX_KNOWLEDGE_QUERY_CHARS], limit=KNOWLEDGE_LIMIT)
        if ports.llm is not None:
            # Credits and rate limits (DESIGN section 4, step 6): the one check before the model is called.
            admission = ADMITTED if ports.admission is None else await ports.admission.admit(turn)
            if admission.admitted:
                return await ports.llm.answer(turn, ports, hits)
            decision = await _without_llm(turn, ports, question, scored, hits, admission.reason or "refused")
        else:
            decision = await _offline_answer(turn, ports, question, scored, hits)
        offered = next((hit for hit in hits if hit.entry_id in decision.knowledge_entry_ids[:1]), None)
        if offered is not None:
            decision = decision.evolved(offered_entry_intent=self._reading(offered.question, turn.intents)[0])
        # The offline answer tells more about what was asked than the message alone.
        intent = as_answered(scored, decision, question, hits, turn.commands, self._reader(turn))
        if intent == scored.intent:
            return decision
        return self._recording(
            decision,
            turn,
            question,
            intent,
            scored.intent_score,
            as_written=f"{scored.intent} ({scored.intent_score:.2f})",
        )

    def _reader(self, turn: Turn) -> Callable[[str], tuple[str, float]]:
        return functools.partial(self._reading, intents=turn.intents)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one Router per process; entries, commands are few
    def _reading(self, text: str, intents: tuple[IntentDefinition, ...]) -> tuple[str, float]:
        """The local scorer's intent and score of a tenant's own text (an entry's question, a command's
        response), cached: the same few are read again and again."""
        scored = self._scorer.score(text, intents)
        return scored.intent, scored.intent_score


def _template(template: TemplateInfo, values: Mapping[str, str | None], explanation: str) -> Decision:
    return Decision(
        route="template",
        replies=(Reply(render(template.body, values)),),
        template_id=template.template_id,
        explanation=explanation,
    )


async def _briefed(turn: Turn, ports: Ports, llm: LLMProvider, decision: Decision, facts: str) -> Decision:
    """A rule's handoff with the model's briefing for the agent, metered like any model call.

    The briefing costs tokens, so it passes the one gate every model call passes (DESIGN section 4,
    step 6): the admission port, which the pipeline implements by running the plan's rate limits and
    reserving the turn's credits (bot/pipeline/metering.py); the persist step settles them with the
    turn. The question is asked here because only the engine knows that this turn will call the model,
    and the engine, being pure, cannot look at credits itself: its port can. Refused (out of credits,
    over the plan's rate), the model is not asked and the agent reads the stored facts, as when the
    model fails; the customer is handed over either way. The call's tokens and model become the turn's,
    as an answer's do, so they reach the reply's message, the usage row and the credits charged.
    """
    admission = ADMITTED if ports.admission is None else await ports.admission.admit(turn)
    if not admission.admitted:
        return replace(decision, llm_denied=admission.reason or "refused")
    briefing = await llm.summarize_handoff(turn, facts)
    return replace(
        decision,
        handoff_summary=briefing.text or facts,
        handoff_briefing="written" if briefing.text else "failed",
        prompt_tokens=briefing.prompt_tokens,
        completion_tokens=briefing.completion_tokens,
        model=briefing.model,
    )


async def _without_llm(
    turn: Turn,
    ports: Ports,
    question: str,
    scored: IntentResult,
    hits: Sequence[KnowledgeHit],
    reason: str,
) -> Decision:
    """A turn the LLM may not answer: an offline answer, or a person, by the bot's setting.

    A customer flooding the bot (bot/billing/rate_limits.py) is answered once: the first message over
    the limit gets the flood notice, the later ones a confident knowledge answer or nothing. Neither
    counts as a fallback, so a flood never hands the conversation to a person.
    """
    if reason in (FLOOD_NOTICE, CUSTOMER_FLOOD):
        flood = await _flood_answer(turn, ports, question, scored, hits, notice=reason == FLOOD_NOTICE)
        return replace(flood, llm_denied=reason)
    if turn.bot.out_of_credits_action == "handoff":
        decision = Decision(
            route="handoff",
            replies=handoff_rules.handoff_replies(turn),
            consecutive_fallbacks=turn.conversation.consecutive_fallbacks,
            handoff_trigger="fallback",
            handoff_reason=reason,
        )
    else:
        decision = await _offline_answer(turn, ports, question, scored, hits)
    return replace(decision, llm_denied=reason)


async def _offline_answer(
    turn: Turn, ports: Ports, question: str, scored: IntentResult, hits: Sequence[KnowledgeHit]
) -> Decision:
    """The offline answer, or, for small talk nothing else answers, its template (courtesy_template)."""
    decision = await offline.answer(turn, ports, question, scored, hits)
    if decision.route != "fallback":
        return decision
    courtesy = courtesy_template(
        scored.intent, scored.intent_score, question, turn.templates, unanswered=True
    )
    if courtesy is None:
        return decision
    return _template(
        courtesy, turn_values(turn), f"template {courtesy.name!r}: small talk nothing else answers"
    )


async def _flood_answer(
    turn: Turn,
    ports: Ports,
    question: str,
    scored: IntentResult,
    hits: Sequence[KnowledgeHit],
    *,
    notice: bool,
) -> Decision:
    unchanged = turn.conversation.consecutive_fallbacks
    if notice:
        text = render(prompts.load("flood_notice"), turn_values(turn))
        return Decision(route="fallback", replies=(Reply(text),), consecutive_fallbacks=unchanged)
    answered = await offline.answer(turn, ports, question, scored, hits)
    if answered.route == "knowledge":  # a confident answer; never the fallback shrug
        return replace(answered, consecutive_fallbacks=unchanged)
    return Decision(route="silent", consecutive_fallbacks=unchanged)


def _handoff(turn: Turn, request: handoff_rules.HandoffRequest, scored: IntentResult) -> Decision:
    return Decision(
        route="handoff",
        replies=handoff_rules.handoff_replies(turn),
        consecutive_fallbacks=turn.conversation.consecutive_fallbacks,
        handoff_trigger=request.trigger,
        handoff_reason=request.reason,
        handoff_summary=handoff_rules.summary(turn, request, scored),
        explanation=f"handoff rule: {request.reason}",
    )


def _scored(decision: Decision, turn: Turn, scored: IntentResult) -> Decision:
    # The answer may have read the intent again (bot/engine/answered_intent.py); its reading stands.
    return decision.evolved(
        intent=decision.intent or scored.intent,
        intent_score=scored.intent_score if decision.intent is None else decision.intent_score,
        sentiment=scored.sentiment,
        sentiment_score=scored.sentiment_score,
        consecutive_negative=handoff_rules.negative_run(turn, scored),
        intent_reading=_reading_usage(scored),
    )


def _reading_usage(scored: IntentResult) -> IntentReadingUsage | None:
    """What a model's reading of the message used, for the turn's meter; None when none was asked."""
    if scored.model is None:
        return None
    return IntentReadingUsage(
        model=scored.model,
        prompt_tokens=scored.prompt_tokens,
        completion_tokens=scored.completion_tokens,
        failed=scored.model_failed,
    )
