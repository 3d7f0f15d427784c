"""Benchmark: how often the offline engine gives the answer a good agent would, on the labelled answer set.

Usage: .venv/bin/python -m bench.answers [--rounds 5] [--write] [--limit N]
Seeds a temporary SQLite database with `chatbot demo`'s content, loads each demo tenant's configuration
the way a turn does (bot/pipeline/config_cache.py, bot/pipeline/context.py), runs the real Router on
every message of tests/data/answers/ as the first message of a fresh conversation, and prints a Markdown
report (held-back part first, then the second to thirty-ninth rounds and the off-topic probe, then the
tuning part).
``--write`` also writes it to bench/ANSWERS.md; ``--limit`` scores only the first N rows of each part
(for a quick check).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.answer_set import (
    EIGHTEENTH_ROUND,
    EIGHTH_ROUND,
    ELEVENTH_ROUND,
    FIFTEENTH_ROUND,
    FIFTH_ROUND,
    FOURTEENTH_ROUND,
    FOURTH_ROUND,
    HELD_BACK,
    NINETEENTH_ROUND,
    NINTH_ROUND,
    OFF_TOPIC_PROBE,
    SECOND_ROUND,
    SEVENTEENTH_ROUND,
    SEVENTH_ROUND,
    SIXTEENTH_ROUND,
    SIXTH_ROUND,
    TENTH_ROUND,
    THIRD_ROUND,
    THIRTEENTH_ROUND,
    THIRTIETH_ROUND,
    THIRTY_EIGHTH_ROUND,
    THIRTY_FIFTH_ROUND,
    THIRTY_FIRST_ROUND,
    THIRTY_FOURTH_ROUND,
    THIRTY_NINTH_ROUND,
    THIRTY_SECOND_ROUND,
    THIRTY_SEVENTH_ROUND,
    THIRTY_SIXTH_ROUND,
    THIRTY_THIRD_ROUND,
    TUNING,
    TWELFTH_ROUND,
    TWENTIETH_ROUND,
    TWENTY_EIGHTH_ROUND,
    TWENTY_FIFTH_ROUND,
    TWENTY_FIRST_ROUND,
    TWENTY_FOURTH_ROUND,
    TWENTY_NINTH_ROUND,
    TWENTY_SECOND_ROUND,
    TWENTY_SEVENTH_ROUND,
    TWENTY_SIXTH_ROUND,
    TWENTY_THIRD_ROUND,
    Row,
    load,
)
from bot.engine.router import Router, shared_scorer
from bot.engine.types import ConversationState, CustomerInfo, Decision, InboundText, Ports, Turn
from bot.pipeline.config_cache import ConfigCache, TenantConfig
from bot.pipeline.context import tenant_intents
from bot.security import CredentialBox
from bot.tenancy.demo.content import DEMO_KNOWLEDGE
from bot.tenancy.demo.isp_content import ISP_KNOWLEDGE
from bot.tenancy.demo.seed import DEMO_TENANTS, ISP_CONSOLE, seed_demo, seed_isp
from bot.tenancy.tenant_accounts import allowed_link_domains
from storage import channels, knowledge, tenants
from storage.db import create_engine, session_factory, transaction
from storage.migrate import upgrade_async

REPORT = Path(__file__).resolve().parent / "ANSWERS.md"
CONFIDENT = ("knowledge", "command", "template")
BIG_KNOWLEDGE_BASE = 500


@dataclass(frozen=True)
class TenantSetup:
    """One demo tenant as its turns see it: the configuration a turn loads, and its names for ids."""

    config: TenantConfig
    bot_id: int
    entry_questions: dict[int, str]
    command_names: dict[int, str]
    template_names: dict[int, str]

    def turn(self, text: str) -> Turn:
        """The turn of ``text`` as the first message of a new conversation on the tenant's console."""
        tenant = self.config.tenant
        return Turn(
            tenant_id=tenant.id,
            tenant_name=tenant.name,
            bot=self.config.bots[self.bot_id],
            conversation=ConversationState(conversation_id=None, status="new"),
            customer=CustomerInfo(customer_id=None),
            inbound=InboundText(text=text),
            templates=self.config.templates,
            commands=self.config.commands_for(None),
            intents=tenant_intents(tenant.settings),
            allowed_link_domains=allowed_link_domains(tenant.settings),
        )

    def ports(self) -> Ports:
        return Ports(knowledge=self.config.knowledge)


@dataclass(frozen=True)
class Outcome:
    row: Row
    decision: Decision
    right: bool
    intent: str
    sentiment: str


async def load_setup(session: AsyncSession, slug: str, console: str) -> TenantSetup:
    tenant = await tenants.get_tenant_by_slug(session, slug)
    assert tenant is not None, slug
    config = await ConfigCache().for_tenant(session, tenant.id)
    channel = await channels.find_channel(
        session, tenant_id=tenant.id, platform="console", external_id=console
    )
    assert channel is not None, console
    entries = await knowledge.active_entries(session, tenant.id)
    return TenantSetup(
        config=config,
        bot_id=channel.bot_id,
        entry_questions={entry.id: entry.question for entry in entries},
        command_names={command.command_id: command.command for _, command in config.commands},
        template_names={template.template_id: template.name for template in config.templates},
    )


def is_right(row: Row, decision: Decision, setup: TenantSetup) -> bool:
    """Whether ``decision`` gives the answer ``row`` expects (a "did you mean" offering it counts)."""
    expect = row.expect
    offered = [setup.entry_questions.get(entry_id) for entry_id in decision.knowledge_entry_ids]
    if expect.route == "knowledge":
        if decision.route == "knowledge":
            return offered[:1] == [expect.entry]
        return decision.route == "clarify" and expect.entry in offered
    if expect.route == "command":
        return (
            decision.route == "command"
            and setup.command_names.get(decision.command_id or 0) == expect.command
        )
    if expect.route == "template":
        return (
            decision.route == "template"
            and setup.template_names.get(decision.template_id or 0) == expect.template
        )
    if expect.route == "clarify":
        # The order number is asked for: a question back that offers no knowledge entries.
        return decision.route == "clarify" and not decision.knowledge_entry_ids
    return decision.route == expect.route


async def decide_all(router: Router, rows: Sequence[Row], setups: dict[str, TenantSetup]) -> list[Outcome]:
    outcomes = []
    for row in rows:
        setup = setups[row.tenant]
        turn = setup.turn(row.text)
        decision = await router.decide(turn, setup.ports())
        intent, sentiment = decision.intent, decision.sentiment
        if intent is None or sentiment is None:
            # A command answers before the message is scored; score it as the router would have.
            scored = shared_scorer().score(row.text, turn.intents)
            intent, sentiment = scored.intent, scored.sentiment
        outcomes.append(Outcome(row, decision, is_right(row, decision, setup), intent, sentiment))
    return outcomes


async def ms_per_turn(
    router: Router, rows: Sequence[Row], setups: dict[str, TenantSetup], rounds: int
) -> float:
    """Median over ``rounds`` of the mean milliseconds per Router.decide over ``rows``."""
    pairs = [(setups[row.tenant].turn(row.text), setups[row.tenant].ports()) for row in rows]
    means = []
    for _ in range(rounds):
        started = time.perf_counter()
        for turn, ports in pairs:
            await router.decide(turn, ports)
        means.append((time.perf_counter() - started) * 1000 / len(pairs))
    return statistics.median(means)


def synthetic_entries(count: int) -> list[tuple[str, str, tuple[str, ...], str]]:
    """``count`` entries: both demo tenants' own, then variants that cross one entry with another."""
    base = [*DEMO_KNOWLEDGE, *ISP_KNOWLEDGE]
    made = [(e.question, e.answer, e.keywords, e.category) for e in base]
    n = 0
    while len(made) < count:
        a, b = base[n % len(base)], base[(7 * n + 3) % len(base)]
        made.append(
            (
                f"{a.question.rstrip('?')} with {b.keywords[0]} (variant {n})?",
                f"{a.answer} {b.answer.split('. ')[0]}.",
                (*a.keywords[:2], *b.keywords[:2], f"variant {n}"),
                b.category,
            )
        )
        n += 1
    return made[:count]


async def measure(
    rows_by_part: dict[str, list[Row]], rounds: int, big_knowledge_base: int = BIG_KNOWLEDGE_BASE
) -> tuple[dict[str, list[Outcome]], float, float, int]:
    """(outcomes per part, ms per turn, ms per turn with the big knowledge base, its size)."""
    async with demo_tenants() as (sessions, setups):
        router = Router()
        every = [row for rows in rows_by_part.values() for row in rows]
        outcomes = {part: await decide_all(router, rows, setups) for part, rows in rows_by_part.items()}
        normal_ms = await ms_per_turn(router, every, setups, rounds)

        # The same turns against one knowledge base of ``big_knowledge_base`` entries (the ISP tenant's,
        # grown), loaded again the way a turn loads it.
        async with transaction(sessions) as session:
            isp = setups["isp"].config.tenant.id
            have = {question.lower() for question in await knowledge.existing_questions(session, isp)}
            for question, answer, keywords, category in synthetic_entries(big_knowledge_base):
                if question.strip().lower() not in have:
                    knowledge.add_entry(
                        session,
                        tenant_id=isp,
                        question=question,
                        answer=answer,
                        keywords=keywords,
                        category=category,
                    )
        async with transaction(sessions) as session:
            big = await load_setup(session, "isp", ISP_CONSOLE)
        big_ms = await ms_per_turn(router, every, {"demo": big, "isp": big}, rounds)
        return outcomes, normal_ms, big_ms, len(big.entry_questions)


@contextlib.asynccontextmanager
async def demo_tenants() -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], dict[str, TenantSetup]]]:
    """A temporary SQLite database seeded as `chatbot demo` seeds it, and each demo tenant's setup."""
    url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'answers.db'}"
    await upgrade_async(url)
    db = create_engine(url)
    try:
        sessions = session_factory(db)
        box = CredentialBox(Fernet.generate_key())
        async with transaction(sessions) as session:
            await seed_demo(session, box)
            await seed_isp(session, box)
        async with transaction(sessions) as session:
            setups = {
                c.tenant.slug: await load_setup(session, c.tenant.slug, c.console) for c in DEMO_TENANTS
            }
        yield sessions, setups
    finally:
        await db.dispose()


# The parts after the held-back one, in the order they were written: (part, heading, unseen). An unseen
# part's figure is also given without the messages that repeat an earlier part's word for word.
LATER_PARTS = (
    ("second_round", "Second round (development: written after the split; see below how it was used)", False),
    (
        "third_round",
        "Third round (unseen: written later by the same conventions, never looked at while tuning)",
        True,
    ),
    ("fourth_round", "Fourth round (unseen: written after the third, never looked at while tuning)", True),
    (
        "fifth_round",
        "Fifth round (development: written after the fourth in its style; its rows were opened)",
        False,
    ),
    (
        "sixth_round",
        "Sixth round (development: written after the fifth in its style; its rows were opened)",
        False,
    ),
    (
        "seventh_round",
        "Seventh round (development: written after the sixth in its style; its rows were opened)",
        False,
    ),
    (
        "eighth_round",
        "Eighth round (unseen: written blind at the end of the seventh round of engine work, never opened)",
        True,
    ),
    (
        "ninth_round",
        "Ninth round (unseen: written blind in the original style at the start of the eighth round, never "
        "opened)",
        True,
    ),
    (
        "tenth_round",
        "Tenth round (development: written blind at the end of the eighth round; the intent correction "
        "learned from it)",
        False,
    ),
    (
        "eleventh_round",
        "Eleventh round (development: written blind in fresh wording at the end of the eighth round; the "
        "intent correction learned from it)",
        False,
    ),
    (
        "twelfth_round",
        "Twelfth round (development: written blind in the original style at the start of the ninth round; "
        "its rows were opened)",
        False,
    ),
    (
        "thirteenth_round",
        "Thirteenth round (development: written blind in the original style by a varied crowd of customers "
        "at the start of the ninth round; its rows were opened)",
        False,
    ),
    (
        "fourteenth_round",
        "Fourteenth round (development: written blind in the original style, customers typing on phones, "
        "midway through the ninth round; its rows were opened)",
        False,
    ),
    (
        "fifteenth_round",
        "Fifteenth round (development: written blind in the original style, customers telling their "
        "situation in their own words, midway through the ninth round; its rows were opened)",
        False,
    ),
    (
        "sixteenth_round",
        "Sixteenth round (development: written blind in the original style late in the ninth round; its rows "
        "were opened)",
        False,
    ),
    (
        "seventeenth_round",
        "Seventeenth round (development: written blind in the original style late in the ninth round; its "
        "rows were opened)",
        False,
    ),
    (
        "eighteenth_round",
        "Eighteenth round (development: written blind in the original style at the start of the tenth round; "
        "its rows were opened)",
        False,
    ),
    (
        "nineteenth_round",
        "Nineteenth round (development: written blind in the original style by a varied crowd of customers "
        "at the start of the tenth round; its rows were opened)",
        False,
    ),
    (
        "twentieth_round",
        "Twentieth round (development: written blind in the original style, customers typing on phones, "
        "early in the tenth round; its rows were opened)",
        False,
    ),
    (
        "twenty_first_round",
        "Twenty-first round (development: written blind in the original style, customers telling their "
        "situation first, early in the tenth round; its rows were opened)",
        False,
    ),
    (
        "twenty_second_round",
        "Twenty-second round (development: written blind in the original style midway through the tenth "
        "round; its rows were opened)",
        False,
    ),
    (
        "twenty_third_round",
        "Twenty-third round (development: written blind in the original style, customers who describe a "
        "thing instead of naming it, midway through the tenth round; its rows were opened)",
        False,
    ),
    (
        "twenty_fourth_round",
        "Twenty-fourth round (development: written blind in the original style at the start of the eleventh "
        "round; its rows were opened)",
        False,
    ),
    (
        "twenty_fifth_round",
        "Twenty-fifth round (development: written blind in the original style by a varied crowd of "
        "customers at the start of the eleventh round; its rows were opened)",
        False,
    ),
    (
        "twenty_sixth_round",
        "Twenty-sixth round (development: written blind in the original style, customers asking as they "
        "would ask a shop assistant, at the start of the eleventh round; its rows were opened)",
        False,
    ),
    (
        "twenty_seventh_round",
        "Twenty-seventh round (development: written blind in the original style, customers typing on "
        "phones, at the start of the eleventh round; its rows were opened)",
        False,
    ),
    (
        "twenty_eighth_round",
        "Twenty-eighth round (development: written blind in the original style at the start of the twelfth "
        "round; its rows were opened)",
        False,
    ),
    (
        "twenty_ninth_round",
        "Twenty-ninth round (development: written blind in the original style, customers typing on phones, "
        "at the start of the twelfth round; its rows were opened)",
        False,
    ),
    (
        "thirtieth_round",
        "Thirtieth round (development: written blind in the original style, customers telling their "
        "situation first in their own words, at the start of the twelfth round; its rows were opened)",
        False,
    ),
    (
        "thirty_first_round",
        "Thirty-first round (development: written blind in the original style by a varied crowd of "
        "customers at the start of the twelfth round; its rows were opened)",
        False,
    ),
    (
        "thirty_second_round",
        "Thirty-second round (development: written blind in the original style at the start of the "
        "thirteenth round; its rows were opened)",
        False,
    ),
    (
        "thirty_third_round",
        "Thirty-third round (development: written blind in the original style by a varied crowd of "
        "customers at the start of the thirteenth round; its rows were opened)",
        False,
    ),
    (
        "thirty_fourth_round",
        "Thirty-fourth round (development: written blind in the original style, customers typing on "
        "phones, at the start of the thirteenth round; its rows were opened)",
        False,
    ),
    (
        "thirty_fifth_round",
        "Thirty-fifth round (development: written blind in the original style, customers telling their "
        "situation first, at the start of the thirteenth round; its rows were opened)",
        False,
    ),
    (
        "thirty_sixth_round",
        "Thirty-sixth round (development: written blind, customers telling their situation first, "
        "at the start of the fourteenth round; its rows were opened)",
        False,
    ),
    (
        "thirty_seventh_round",
        "Thirty-seventh round (development: written blind, terse mobile texts, "
        "at the start of the fourteenth round; its rows were opened)",
        False,
    ),
    (
        "thirty_eighth_round",
        "Thirty-eighth round (development: written blind, customers writing in a second language, "
        "at the start of the fourteenth round; its rows were opened)",
        False,
    ),
    (
        "thirty_ninth_round",
        "Thirty-ninth round (development: written blind, frustrated customers, "
        "at the start of the fourteenth round; its rows were opened)",
        False,
    ),
    (
        "off_topic_probe",
        "Off-topic probe (development: 300 messages no demo tenant can answer, a third of them sharing a "
        "word with its subject; its rows were opened)",
        False,
    ),
)


def percent(right: int, total: int) -> str:
    return f"{100 * right / total:.1f} % ({right}/{total})" if total else "-"


def grouped(outcomes: Sequence[Outcome], key: Callable[[Outcome], str]) -> list[tuple[str, int, int]]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for outcome in outcomes:
        groups[key(outcome)].append(outcome.right)
    return [(name, sum(results), len(results)) for name, results in sorted(groups.items())]


def part_report(title: str, outcomes: Sequence[Outcome]) -> list[str]:
    n = len(outcomes)
    right = sum(o.right for o in outcomes)
    clarified = sum(o.decision.route == "clarify" for o in outcomes)
    off_topic = [o for o in outcomes if o.row.off_topic]
    false_answers = sum(o.decision.route in CONFIDENT for o in off_topic)
    lines = [
        f"## {title}: {n} messages",
        "",
        f"- **Right answer: {percent(right, n)}**",
        f"- Clarify rate (a question back): {percent(clarified, n)}",
        "- Off-topic false answers (a confident answer to an off-topic message): "
        + percent(false_answers, len(off_topic)),
        f"- Intent accuracy: {percent(sum(o.intent == o.row.intent for o in outcomes), n)}",
        f"- Sentiment accuracy: {percent(sum(o.sentiment == o.row.sentiment for o in outcomes), n)}",
        "",
        "| by | group | right | of | accuracy |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for by, key in (
        ("tenant", lambda o: o.row.tenant),
        ("expected route", lambda o: o.row.expect.route),
        ("labelled intent", lambda o: o.row.intent),
    ):
        for name, good, total in grouped(outcomes, key):
            lines.append(f"| {by} | {name} | {good} | {total} | {100 * good / total:.1f} % |")
    got: dict[str, int] = defaultdict(int)
    for o in outcomes:
        got[o.decision.route] += 1
    lines += [
        "",
        "Routes taken: " + ", ".join(f"{route} {count}" for route, count in sorted(got.items())),
        "",
    ]
    return lines


def report(
    outcomes: dict[str, list[Outcome]], normal_ms: float, big_ms: float, big_size: int, rounds: int
) -> str:
    lines = [
        "# Offline answers: the labelled answer set (issue 12)",
        "",
        "Measured by `python -m bench.answers` (`--write` writes this file): the real `Router` with each "
        "demo tenant's configuration as `chatbot demo` seeds it, every message the first of a new "
        "conversation.",
        "",
    ]
    lines += part_report("Held-back part (the reported figure)", outcomes["held_back"])
    earlier: list[str] = ["tuning"]
    for part, title, unseen in LATER_PARTS:
        if outcomes.get(part):
            lines += part_report(title, outcomes[part])
            if unseen:
                lines += _without_repeats(outcomes, part, tuple(earlier))
            earlier.append(part)
    lines += part_report("Tuning part", outcomes["tuning"])
    lines += [
        "## Speed",
        "",
        f"- Per turn, the demo tenants' own configuration: {normal_ms:.3f} ms "
        f"(median of {rounds} rounds over the whole set)",
        f"- Per offline decision with a {big_size}-entry knowledge base: {big_ms:.3f} ms "
        "(both tenants' entries and generated variants of them)",
        f"- Python {platform.python_version()} on {platform.machine()}",
        "",
    ]
    return "\n".join(lines)


def _without_repeats(outcomes: dict[str, list[Outcome]], part: str, earlier: Sequence[str]) -> list[str]:
    """The right-answer figure of ``part`` without the messages that repeat an earlier part's."""
    seen = {_text_key(o.row.text) for name in earlier for o in outcomes.get(name, ())}
    fresh = [o for o in outcomes[part] if _text_key(o.row.text) not in seen]
    return [
        f"Without its {len(outcomes[part]) - len(fresh)} messages that repeat a message of an earlier part "
        "word for word (greetings, commands, common questions): "
        f"right answer {percent(sum(o.right for o in fresh), len(fresh))}.",
        "",
    ]


def _text_key(text: str) -> str:
    return " ".join(text.casefold().split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds over the whole set")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N rows of each part")
    parser.add_argument("--write", action="store_true", help="also write bench/ANSWERS.md")
    args = parser.parse_args()
    parts = {
        "held_back": load(HELD_BACK)[: args.limit],
        "second_round": load(SECOND_ROUND)[: args.limit],
        "third_round": load(THIRD_ROUND)[: args.limit],
        "fourth_round": load(FOURTH_ROUND)[: args.limit],
        "fifth_round": load(FIFTH_ROUND)[: args.limit],
        "sixth_round": load(SIXTH_ROUND)[: args.limit],
        "seventh_round": load(SEVENTH_ROUND)[: args.limit],
        "eighth_round": load(EIGHTH_ROUND)[: args.limit],
        "ninth_round": load(NINTH_ROUND)[: args.limit],
        "tenth_round": load(TENTH_ROUND)[: args.limit],
        "eleventh_round": load(ELEVENTH_ROUND)[: args.limit],
        "twelfth_round": load(TWELFTH_ROUND)[: args.limit],
        "thirteenth_round": load(THIRTEENTH_ROUND)[: args.limit],
        "fourteenth_round": load(FOURTEENTH_ROUND)[: args.limit],
        "fifteenth_round": load(FIFTEENTH_ROUND)[: args.limit],
        "sixteenth_round": load(SIXTEENTH_ROUND)[: args.limit],
        "seventeenth_round": load(SEVENTEENTH_ROUND)[: args.limit],
        "eighteenth_round": load(EIGHTEENTH_ROUND)[: args.limit],
        "nineteenth_round": load(NINETEENTH_ROUND)[: args.limit],
        "twentieth_round": load(TWENTIETH_ROUND)[: args.limit],
        "twenty_first_round": load(TWENTY_FIRST_ROUND)[: args.limit],
        "twenty_second_round": load(TWENTY_SECOND_ROUND)[: args.limit],
        "twenty_third_round": load(TWENTY_THIRD_ROUND)[: args.limit],
        "twenty_fourth_round": load(TWENTY_FOURTH_ROUND)[: args.limit],
        "twenty_fifth_round": load(TWENTY_FIFTH_ROUND)[: args.limit],
        "twenty_sixth_round": load(TWENTY_SIXTH_ROUND)[: args.limit],
        "twenty_seventh_round": load(TWENTY_SEVENTH_ROUND)[: args.limit],
        "twenty_eighth_round": load(TWENTY_EIGHTH_ROUND)[: args.limit],
        "twenty_ninth_round": load(TWENTY_NINTH_ROUND)[: args.limit],
        "thirtieth_round": load(THIRTIETH_ROUND)[: args.limit],
        "thirty_first_round": load(THIRTY_FIRST_ROUND)[: args.limit],
        "thirty_second_round": load(THIRTY_SECOND_ROUND)[: args.limit],
        "thirty_third_round": load(THIRTY_THIRD_ROUND)[: args.limit],
        "thirty_fourth_round": load(THIRTY_FOURTH_ROUND)[: args.limit],
        "thirty_fifth_round": load(THIRTY_FIFTH_ROUND)[: args.limit],
        "thirty_sixth_round": load(THIRTY_SIXTH_ROUND)[: args.limit],
        "thirty_seventh_round": load(THIRTY_SEVENTH_ROUND)[: args.limit],
        "thirty_eighth_round": load(THIRTY_EIGHTH_ROUND)[: args.limit],
        "thirty_ninth_round": load(THIRTY_NINTH_ROUND)[: args.limit],
        "off_topic_probe": load(OFF_TOPIC_PROBE)[: args.limit],
        "tuning": load(TUNING)[: args.limit],
    }
    outcomes, normal_ms, big_ms, big_size = asyncio.run(measure(parts, max(args.rounds, 1)))
    text = report(outcomes, normal_ms, big_ms, big_size, max(args.rounds, 1))
    print(text)
    if args.write:
        write_report(text)


def write_report(measured: str) -> None:
    """bench/ANSWERS.md: the measured report, then how the set was built and split (kept from the file)."""
    method = ""
    if REPORT.exists():
        existing = REPORT.read_text(encoding="utf-8")
        marker = existing.find(METHOD_HEADING)
        method = existing[marker:] if marker >= 0 else ""
    REPORT.write_text(measured + "\n" + (method or METHOD_HEADING + "\n"), encoding="utf-8")


METHOD_HEADING = "## How the set was built and split"

if __name__ == "__main__":
    main()
