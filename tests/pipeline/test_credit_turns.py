"""Credits through the whole pipeline, with the real google-genai client against the fake Gemini: LLM turns
never overdraw, are charged once when retried, and an empty account still gets every customer answered."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing.admission import CheckVerdict, LLMTurnRequest
from bot.billing.prices import cost_usd, credits_for
from bot.config import Settings
from bot.engine import gemini as gemini_module
from bot.runtime import build_runtime
from storage.config_versions import bump_config_versions
from storage.inbox_queue import ClaimedEvent
from storage.models import Bot, Handoff, InboundEvent, Message
from tests.fakes.gemini import FakeGemini
from tests.pipeline.test_pipeline import count, settled
from tests.support.credit_turns import assert_balance, provider, running, take_turns, usage
from tests.support.credits import account, assert_ledger_adds_up, ledger, set_balance
from tests.support.doubles import RecordingAdapter, message, wait_until

pytestmark = pytest.mark.usefixtures("quick_gemini_retries")


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_fifty_concurrent_llm_turns_against_twenty_credits_never_overdraw(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, channel_id = tenant
    await set_balance(sessions, tenant_id, 20)
    gemini.reply_always("Our beans are roasted every Tuesday.")
    charged_before, denied_before = (
        metric("chatbot_credits_charged_total"),
        metric("chatbot_llm_denied_total", reason="out_of_credits"),
    )
    adapter = RecordingAdapter()
    # On PostgreSQL two runtimes (two processes' worth of pools and group commits) take the turns at once.
    runtimes = [build_runtime(settings, adapters={"console": adapter}, llm=provider(gemini))]
    if not settings.is_sqlite:
        runtimes.append(build_runtime(settings, adapters={"console": adapter}, llm=provider(gemini)))
    customers = [f"c{n:02d}" for n in range(50)]
    await runtimes[0].inbox.accept(
        tenant_id, channel_id, [message(c, f"tell me about the single origin beans, {c}") for c in customers]
    )
    for runtime in runtimes:
        runtime.start()
    try:
        await wait_until(lambda: settled(sessions, 50), timeout=90)
    finally:
        for runtime in runtimes:
            await runtime.close()

    assert gemini.count == 20
    assert await count(sessions, Message, Message.role == "assistant", Message.route == "llm") == 20
    # The thirty others were answered without the model: every customer got exactly one answer.
    assert sorted(o.recipient_id for o in adapter.sent) == customers
    denied = await usage(sessions, "out_of_credits")
    assert (len(denied), sum(u.credits for u in denied)) == (30, 0)
    charged = await usage(sessions, "llm")
    assert [u.credits for u in charged] == [1] * 20
    await assert_balance(sessions, tenant_id, 0)
    kinds = [row.kind for row in await ledger(sessions, tenant_id)]
    assert (kinds.count("reserve"), kinds.count("commit"), kinds.count("release")) == (20, 20, 0)
    await assert_ledger_adds_up(sessions, tenant_id)
    assert metric("chatbot_credits_charged_total") - charged_before == 20
    assert metric("chatbot_llm_denied_total", reason="out_of_credits") - denied_before == 30


async def test_a_turn_that_dies_before_its_commit_is_charged_once_and_its_first_hold_released(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, channel_id = tenant
    settings = settings.model_copy(update={"lease_seconds": 1.0})
    gemini.reply_always("We roast on Tuesdays.")
    adapter = RecordingAdapter()
    in_limbo = asyncio.Event()

    async def die_before_commit(_event: ClaimedEvent) -> None:
        in_limbo.set()
        await asyncio.Event().wait()  # the process dies here, holding the turn's credit

    doomed = build_runtime(
        settings, adapters={"console": adapter}, llm=provider(gemini), before_commit=die_before_commit
    )
    doomed.start()
    await doomed.inbox.accept(tenant_id, channel_id, [message("hana", "when do you roast the beans?")])
    await asyncio.wait_for(in_limbo.wait(), 20)
    await doomed.worker.stop(grace_seconds=0, release=False)
    await doomed.close()
    held = await account(sessions, tenant_id)
    assert (held.balance, held.reserved) == (1000, 1)

    async with running(settings, gemini, adapter):
        await wait_until(lambda: settled(sessions, 1))

    assert gemini.count == 2  # the model answered twice: the first answer died with its process
    assert [o.text for o in adapter.sent] == ["We roast on Tuesdays."]
    rows = await ledger(sessions, tenant_id)
    assert [r.kind for r in rows[-4:]] == ["reserve", "release", "reserve", "commit"]
    (charge,) = await usage(sessions, "llm")
    assert charge.credits == 1
    await assert_balance(sessions, tenant_id, 999)
    async with sessions() as session:
        event = await session.scalar(select(InboundEvent))
    assert event is not None
    assert (event.status, event.attempts) == ("done", 2)
    await assert_ledger_adds_up(sessions, tenant_id)


async def test_out_of_credits_the_customer_gets_the_knowledge_answer_and_nothing_is_charged(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    await set_balance(sessions, tenant_id, 0)
    adapter = await take_turns(
        settings, sessions, gemini, tenant, [message("ines", "what are your opening hours?")]
    )

    assert gemini.count == 0
    (reply,) = adapter.sent
    assert "9" in reply.text  # the demo's opening-hours answer
    async with sessions() as session:
        route = await session.scalar(select(Message.route).where(Message.role == "assistant"))
    assert route == "knowledge"
    (denied,) = await usage(sessions, "out_of_credits")
    assert (denied.credits, denied.model) == (0, None)
    assert (await account(sessions, tenant_id)).balance == 0
    await assert_ledger_adds_up(sessions, tenant_id)


async def test_out_of_credits_a_bot_set_to_hand_off_hands_over(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    await set_balance(sessions, tenant_id, 0)
    async with sessions.begin() as session:
        await session.execute(update(Bot).values(out_of_credits_action="handoff"))
        await bump_config_versions(session, None)
    adapter = await take_turns(
        settings, sessions, gemini, tenant, [message("jo", "which beans suit a moka pot?")]
    )

    (reply,) = adapter.sent
    assert "passing you to a member" in reply.text
    async with sessions() as session:
        handoff = await session.scalar(select(Handoff))
    assert handoff is not None
    assert (handoff.trigger, handoff.reason) == ("fallback", "out_of_credits")
    # Nor is the model asked for the agent's briefing: the stored facts stand in for it.
    assert gemini.count == 0


async def test_a_failed_model_call_releases_the_turns_hold(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    for _ in range(6):
        gemini.fail(status=503)
    await take_turns(settings, sessions, gemini, tenant, [message("kai", "which beans suit a moka pot?")])

    assert [r.kind for r in (await ledger(sessions, tenant_id))[-2:]] == ["reserve", "release"]
    (failed,) = await usage(sessions, "llm")
    assert failed.credits == 0
    await assert_balance(sessions, tenant_id, 1000)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Handoff)) == 0


# A customer asking for a person: a handoff rule fires, and with Gemini the agent's briefing is asked for.
ASKS_FOR_A_PERSON = "can I talk to a real person please"
BRIEFING = "Mia wants a person. Nothing answered yet. Greet her and ask what she needs."


async def handed_over(sessions: async_sessionmaker[AsyncSession]) -> Handoff:
    async with sessions() as session:
        handoff = await session.scalar(select(Handoff))
    assert handoff is not None
    assert handoff.trigger == "customer_request"
    return handoff


async def first_reply(sessions: async_sessionmaker[AsyncSession]) -> Message:
    async with sessions() as session:
        reply = await session.scalar(
            select(Message).where(Message.role == "assistant").order_by(Message.id).limit(1)
        )
    assert reply is not None
    return reply


async def test_the_agents_briefing_is_charged_to_the_tenant_like_any_model_call(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    # A long conversation's briefing: 0.009 + 0.005 USD on Flash, 2 credits, more than the 1 held.
    gemini.reply_text(BRIEFING, prompt_tokens=30_000, completion_tokens=2_000)
    adapter = await take_turns(settings, sessions, gemini, tenant, [message("mia", ASKS_FOR_A_PERSON)])

    assert "passing you to a member" in adapter.sent[0].text
    assert (await handed_over(sessions)).summary == BRIEFING
    assert gemini.count == 1
    reply = await first_reply(sessions)
    assert (reply.route, reply.prompt_tokens, reply.completion_tokens) == ("handoff", 30_000, 2_000)
    (row,) = await usage(sessions, "handoff_summary")
    assert (row.model, row.prompt_tokens, row.completion_tokens) == ("gemini-2.5-flash", 30_000, 2_000)
    assert Decimal(row.cost) == cost_usd("gemini-2.5-flash", 30_000, 2_000) == Decimal("0.014")
    assert row.credits == credits_for(Decimal("0.014")) == 2
    assert row.message_id == reply.id
    rows = await ledger(sessions, tenant_id)
    assert [(r.kind, r.delta) for r in rows[-2:]] == [("reserve", 0), ("commit", -2)]
    assert "handoff briefing" in (rows[-1].description or "")
    await assert_balance(sessions, tenant_id, 998)
    await assert_ledger_adds_up(sessions, tenant_id)


async def test_out_of_credits_the_agent_gets_the_facts_and_the_model_is_not_asked(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    await set_balance(sessions, tenant_id, 0)
    gemini.reply_text(BRIEFING)  # there to be taken, if anything asked for it
    adapter = await take_turns(settings, sessions, gemini, tenant, [message("mia", ASKS_FOR_A_PERSON)])

    assert (gemini.count, gemini.pending) == (0, 1)
    assert "passing you to a member" in adapter.sent[0].text
    summary = (await handed_over(sessions)).summary
    assert summary is not None
    assert summary.startswith("Handed over because: the customer asked for a person")
    (denied,) = await usage(sessions, "out_of_credits")
    assert (denied.credits, denied.model, denied.prompt_tokens) == (0, None, 0)
    assert await usage(sessions, "handoff_summary") == []
    await assert_balance(sessions, tenant_id, 0)
    await assert_ledger_adds_up(sessions, tenant_id)


class OverTheMinuteRate:
    """The plan's rate limit as the gate sees it when the tenant's minute is used up."""

    async def check(self, session: AsyncSession, request: LLMTurnRequest, now: datetime) -> CheckVerdict:
        return CheckVerdict(False, "tenant_minute")


async def test_over_the_plans_rate_the_agent_gets_the_facts_and_nothing_is_held(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
) -> None:
    tenant_id, _ = tenant
    before = await ledger(sessions, tenant_id)
    gemini.reply_text(BRIEFING)
    await take_turns(
        settings,
        sessions,
        gemini,
        tenant,
        [message("mia", ASKS_FOR_A_PERSON)],
        admission_checks=(OverTheMinuteRate(),),
    )

    assert (gemini.count, gemini.pending) == (0, 1)
    summary = (await handed_over(sessions)).summary
    assert summary is not None
    assert summary.startswith("Handed over because")
    (denied,) = await usage(sessions, "tenant_minute")
    assert denied.credits == 0
    assert len(await ledger(sessions, tenant_id)) == len(before)  # no hold was taken


@pytest.mark.parametrize("failure", ["503", "timeout", "blocked"])
async def test_a_failed_briefing_charges_nothing_and_the_agent_gets_the_facts(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: tuple[int, int],
    gemini: FakeGemini,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    tenant_id, _ = tenant
    if failure == "503":
        gemini.fail(status=503)
    elif failure == "timeout":
        monkeypatch.setattr(gemini_module, "SUMMARY_DEADLINE_SECONDS", 0.3)
        gemini.hang()
    else:
        gemini.block_prompt(prompt_tokens=900)
    adapter = await take_turns(settings, sessions, gemini, tenant, [message("mia", ASKS_FOR_A_PERSON)])

    assert gemini.count == 1
    assert "passing you to a member" in adapter.sent[0].text
    summary = (await handed_over(sessions)).summary
    assert summary is not None
    assert summary.startswith("Handed over because")
    (row,) = await usage(sessions, "handoff_summary")
    assert row.credits == 0
    # What the API reported as used is logged (a blocked prompt still counts its prompt), never charged.
    reported = 900 if failure == "blocked" else 0
    assert (row.prompt_tokens, row.completion_tokens) == (reported, 0)
    assert Decimal(row.cost) == cost_usd("gemini-2.5-flash", reported, 0)
    assert [r.kind for r in (await ledger(sessions, tenant_id))[-2:]] == ["reserve", "release"]
    await assert_balance(sessions, tenant_id, 1000)
    await assert_ledger_adds_up(sessions, tenant_id)
