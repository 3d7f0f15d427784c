"""The optional LLM intent reading is metered with its turn, through the whole pipeline with the real
google-genai client against the fake Gemini: its tokens join the turn's one charge and have a usage row of
their own; out of credits the local scorer reads the message and the model is not asked; a flooding
customer still gets the flood notice; and without the LLM scorer nothing of this is charged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import prompts
from bot.billing.admission import CheckVerdict, LLMTurnRequest
from bot.billing.prices import cost_usd, credits_for
from bot.billing.rate_limits import RateLimitCheck
from bot.config import Settings
from storage.models import Message
from tests.fakes.gemini import FakeGemini
from tests.support.credit_turns import assert_balance, take_turns, usage
from tests.support.credits import account, assert_ledger_adds_up, ledger, set_balance
from tests.support.doubles import message

pytestmark = pytest.mark.usefixtures("quick_gemini_retries")

INTENT_MODEL = "gemini-2.5-flash-lite"
ANSWER_MODEL = "gemini-2.5-flash"
# Answered by the model (the demo's knowledge has no entry that settles it), and by a template.
QUESTION = "which beans suit a moka pot?"
THANKS = "thanks so much"
FLOOD_NOTICE_OPENING = prompts.load("flood_notice").split(",")[0]  # "You're sending messages ... with"


def reading(intent: str, score: float = 0.91) -> str:
    """The intent model's structured answer."""
    return json.dumps(
        {"intent": intent, "intent_score": score, "sentiment": "neutral", "sentiment_score": 0.0}
    )


# Each turn's message read by the intent model, unless a test says ``intent_model=None``.
turns = partial(take_turns, intent_model=INTENT_MODEL)


async def inbound(sessions: async_sessionmaker[AsyncSession], text: str) -> Message:
    async with sessions() as session:
        row = await session.scalar(select(Message).where(Message.role == "user", Message.text == text))
    assert row is not None
    return row


class PinnedMinute:
    """The plan's rate limits and flood control, every turn of the test counted in one minute window
    (a test that crosses a minute's end would otherwise start counting afresh)."""

    def __init__(self, customer_limit: int) -> None:
        self._inner = RateLimitCheck(customer_limit=customer_limit)
        self._now = datetime.now(UTC).replace(second=30, microsecond=0)

    async def check(self, session: AsyncSession, request: LLMTurnRequest, now: datetime) -> CheckVerdict:
        return await self._inner.check(session, request, self._now)


# (answer tokens, reading tokens): one credit for both, the usual case; and a reading whose few tokens
# take an answer of 0.0099 USD past the cent (0.0101 USD: 2 credits, where the answer alone costs 1).
@pytest.mark.parametrize(
    ("answer_tokens", "reading_tokens", "credits"),
    [((3_000, 300), (400, 20), 1), ((30_000, 360), (2_000, 20), 2)],
    ids=["one credit for both", "the reading tips the turn over a cent"],
)
async def test_the_readings_tokens_join_the_answers_in_the_turns_one_charge(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
    answer_tokens: tuple[int, int],
    reading_tokens: tuple[int, int],
    credits: int,
) -> None:
    tenant_id, _ = tenant
    before = len(await ledger(sessions, tenant_id))
    gemini.reply_text(reading("purchase_intent"), *reading_tokens)
    gemini.reply_text("A medium-dark roast, ground fine: our Mocha Java.", *answer_tokens)
    adapter = await turns(settings, sessions, gemini, tenant, [message("mia", QUESTION)])

    assert [o.text for o in adapter.sent] == ["A medium-dark roast, ground fine: our Mocha Java."]
    assert [r.model for r in gemini.requests] == [INTENT_MODEL, ANSWER_MODEL]
    answer_cost = cost_usd(ANSWER_MODEL, *answer_tokens)
    reading_cost = cost_usd(INTENT_MODEL, *reading_tokens)
    assert credits_for(answer_cost + reading_cost) == credits
    assert credits_for(answer_cost) == 1
    # One hold and one commit for the turn: the reading took the hold, the answer used it.
    rows = (await ledger(sessions, tenant_id))[before:]
    assert [(r.kind, r.delta) for r in rows] == [("reserve", 0), ("commit", -credits)]
    assert "intent reading" in (rows[-1].description or "")
    answered, read = await usage(sessions)
    assert (answered.usage_type, answered.model, answered.credits) == ("llm", ANSWER_MODEL, 1)
    assert (answered.prompt_tokens, answered.completion_tokens) == answer_tokens
    assert (read.usage_type, read.model, read.credits) == ("intent_reading", INTENT_MODEL, credits - 1)
    assert (read.prompt_tokens, read.completion_tokens) == reading_tokens
    assert Decimal(read.cost) == reading_cost
    # The reading's row and tokens are the customer's message's, whose intent the model read.
    message_in = await inbound(sessions, QUESTION)
    assert read.message_id == message_in.id
    assert (message_in.prompt_tokens, message_in.completion_tokens) == reading_tokens
    assert (message_in.intent, message_in.intent_score) == ("purchase_intent", 0.91)
    await assert_balance(sessions, tenant_id, 1000 - credits)
    await assert_ledger_adds_up(sessions, tenant_id)


async def test_a_turn_the_model_only_read_pays_for_the_reading_by_the_turns_rule(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    gemini.reply_text(reading("thanks"), prompt_tokens=400, completion_tokens=20)
    await turns(settings, sessions, gemini, tenant, [message("noa", THANKS)])

    assert gemini.count == 1  # the reading; a template answered
    async with sessions() as session:
        route = await session.scalar(select(Message.route).where(Message.role == "assistant"))
    assert route == "template"
    (read,) = await usage(sessions)
    # A turn that called the model costs at least a credit (bot/billing/prices.py), once.
    assert (read.usage_type, read.credits, read.prompt_tokens, read.completion_tokens) == (
        "intent_reading",
        1,
        400,
        20,
    )
    assert [(r.kind, r.delta) for r in (await ledger(sessions, tenant_id))[-2:]] == [
        ("reserve", 0),
        ("commit", -1),
    ]
    assert (await account(sessions, tenant_id)).balance == 999
    await assert_ledger_adds_up(sessions, tenant_id)


async def test_out_of_credits_the_local_scorer_reads_and_the_intent_model_is_not_asked(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    await set_balance(sessions, tenant_id, 0)
    before = len(await ledger(sessions, tenant_id))
    gemini.reply_text(reading("complaint", 0.99))  # there to be taken, if anything asked for it
    adapter = await turns(
        settings, sessions, gemini, tenant, [message("ola", THANKS), message("ola", QUESTION)]
    )

    assert (gemini.count, gemini.pending) == (0, 1)
    assert len(adapter.sent) == 2  # the thanks template, then the answer without the model
    thanked = await inbound(sessions, THANKS)
    assert thanked.intent == "thanks"  # the local scorer's reading
    assert (thanked.prompt_tokens, thanked.completion_tokens) == (0, 0)
    # The turn went on as it would: its own gate refused the answer, and says so; no reading is logged.
    assert [(u.usage_type, u.credits) for u in await usage(sessions)] == [("out_of_credits", 0)]
    assert len(await ledger(sessions, tenant_id)) == before
    await assert_balance(sessions, tenant_id, 0)


async def test_a_flooding_customer_gets_the_notice_when_the_credits_are_exhausted(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    await set_balance(sessions, tenant_id, 0)
    # One turn a minute: the customer's first message is never counted (it has no customer row yet),
    # the second is the one allowed, the third the first over the limit.
    texts = [QUESTION, "do you ship to Ireland?", "when do you roast the beans?"]
    adapter = await turns(
        settings,
        sessions,
        gemini,
        tenant,
        [message("pia", text) for text in texts],
        admission_checks=(PinnedMinute(customer_limit=1),),
    )

    assert gemini.count == 0
    assert len(adapter.sent) == 3
    assert adapter.sent[-1].text.startswith(FLOOD_NOTICE_OPENING)
    assert not any(o.text.startswith(FLOOD_NOTICE_OPENING) for o in adapter.sent[:-1])
    assert [u.usage_type for u in await usage(sessions)] == [
        "out_of_credits",
        "out_of_credits",
        "flood_notice",
    ]


async def test_the_reading_never_counts_as_a_turn_of_the_flood_and_is_charged_with_the_notice(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    texts = [QUESTION, "do you ship to Ireland?", "when do you roast the beans?"]
    for _ in texts[:2]:
        gemini.reply_text(reading("product_inquiry"), prompt_tokens=400, completion_tokens=20)
        gemini.reply_text("Yes.", prompt_tokens=3_000, completion_tokens=300)
    gemini.reply_text(reading("product_inquiry"), prompt_tokens=400, completion_tokens=20)
    adapter = await turns(
        settings,
        sessions,
        gemini,
        tenant,
        [message("pia", text) for text in texts],
        admission_checks=(PinnedMinute(customer_limit=1),),
    )

    # Had the readings counted, the second message would have been the flood.
    assert [o.text for o in adapter.sent[:2]] == ["Yes.", "Yes."]
    assert adapter.sent[2].text.startswith(FLOOD_NOTICE_OPENING)
    assert (gemini.count, gemini.pending) == (5, 0)
    assert [(u.usage_type, u.credits) for u in await usage(sessions)] == [
        ("llm", 1),
        ("intent_reading", 0),
        ("llm", 1),
        ("intent_reading", 0),
        ("flood_notice", 0),
        ("intent_reading", 1),  # the third message's only model call: its reading
    ]
    kinds = [r.kind for r in await ledger(sessions, tenant_id)]
    assert (kinds.count("reserve"), kinds.count("commit"), kinds.count("release")) == (3, 3, 0)
    assert (await account(sessions, tenant_id)).balance == 997
    await assert_ledger_adds_up(sessions, tenant_id)


@pytest.mark.parametrize("failure", ["503", "outside the schema"])
async def test_a_failed_reading_costs_nothing_and_the_local_scorer_reads(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
    failure: str,
) -> None:
    tenant_id, _ = tenant
    if failure == "503":
        gemini.fail(status=503)
    else:
        gemini.reply_text(json.dumps({"intent": "teleport"}), prompt_tokens=400, completion_tokens=9)
    await turns(settings, sessions, gemini, tenant, [message("quin", THANKS)])

    assert gemini.count == 1
    assert (await inbound(sessions, THANKS)).intent == "thanks"
    (read,) = await usage(sessions)
    reported = (0, 0) if failure == "503" else (400, 9)
    assert (read.usage_type, read.credits, read.prompt_tokens, read.completion_tokens) == (
        "intent_reading",
        0,
        *reported,
    )
    assert Decimal(read.cost) == cost_usd(INTENT_MODEL, *reported)
    assert [r.kind for r in (await ledger(sessions, tenant_id))[-2:]] == ["reserve", "release"]
    await assert_balance(sessions, tenant_id, 1000)
    await assert_ledger_adds_up(sessions, tenant_id)


async def test_without_the_llm_scorer_a_template_turn_is_not_charged_and_no_reading_is_logged(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    before = len(await ledger(sessions, tenant_id))
    gemini.reply_text("A medium-dark roast.", prompt_tokens=3_000, completion_tokens=300)
    await turns(
        settings,
        sessions,
        gemini,
        tenant,
        [message("rae", THANKS), message("rae", QUESTION)],
        intent_model=None,
    )

    assert [r.model for r in gemini.requests] == [ANSWER_MODEL]  # the answer; nothing read the intent
    assert [(u.usage_type, u.credits) for u in await usage(sessions)] == [("llm", 1)]
    # The template turn took no hold; the answer's turn one reserve and one commit.
    assert [(r.kind, r.delta) for r in (await ledger(sessions, tenant_id))[before:]] == [
        ("reserve", 0),
        ("commit", -1),
    ]
    assert (await account(sessions, tenant_id)).balance == 999


async def test_an_answer_that_failed_costs_nothing_but_its_reading_is_paid_for(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    gemini.reply_text(reading("product_inquiry"), prompt_tokens=400, completion_tokens=20)
    for _ in range(6):
        gemini.fail(status=503)
    adapter = await turns(settings, sessions, gemini, tenant, [message("sol", QUESTION)])

    assert len(adapter.sent) == 1  # the fallback reply
    assert [(u.usage_type, u.credits) for u in await usage(sessions)] == [
        ("llm", 0),
        ("intent_reading", 1),
    ]
    assert [(r.kind, r.delta) for r in (await ledger(sessions, tenant_id))[-2:]] == [
        ("reserve", 0),
        ("commit", -1),
    ]
    await assert_ledger_adds_up(sessions, tenant_id)
