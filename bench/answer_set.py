"""The labelled answer set of issue 12 (tests/data/answers/): its rows, their checks, and the split rule.

Each line of tuning.jsonl and held_back.jsonl is one customer message of a demo tenant with the answer a
good support agent would give from that tenant's own knowledge (see bench/ANSWERS.md for the format).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANSWERS = Path(__file__).resolve().parents[1] / "tests" / "data" / "answers"
TUNING = ANSWERS / "tuning.jsonl"
HELD_BACK = ANSWERS / "held_back.jsonl"
# A development set written after the split by the same conventions (bench/ANSWERS.md); not in the split.
SECOND_ROUND = ANSWERS / "second_round.jsonl"
# An unseen evaluation set written later still, by the same conventions, from the tenants' content only.
THIRD_ROUND = ANSWERS / "third_round.jsonl"
# An unseen evaluation set written after the third round by the same conventions, from tenant content only.
FOURTH_ROUND = ANSWERS / "fourth_round.jsonl"
# A development set written after the fourth round in its style, blind to the engine; its rows were opened.
FIFTH_ROUND = ANSWERS / "fifth_round.jsonl"
# A development set written the same way at the start of the sixth round; its totals taken on arrival.
SIXTH_ROUND = ANSWERS / "sixth_round.jsonl"
# A development set written the same way at the start of the seventh round; its totals taken on arrival.
SEVENTH_ROUND = ANSWERS / "seventh_round.jsonl"
# An unseen set written the same way at the end of the seventh round; scored, never opened.
EIGHTH_ROUND = ANSWERS / "eighth_round.jsonl"
# An unseen set in the original style (the tuning part's), written blind at the start of the eighth round
# of engine work; only its totals were taken.
NINTH_ROUND = ANSWERS / "ninth_round.jsonl"
# Development sets written blind at the end of the eighth round of engine work, one in the original style,
# one in fresh wording; their totals were taken on arrival, then the intent correction learned from them.
TENTH_ROUND = ANSWERS / "tenth_round.jsonl"
ELEVENTH_ROUND = ANSWERS / "eleventh_round.jsonl"
# Development sets written blind in the original style at the start of the ninth round of engine work (one
# by a varied crowd of customers); their totals were taken on arrival, then their rows were opened.
TWELFTH_ROUND = ANSWERS / "twelfth_round.jsonl"
THIRTEENTH_ROUND = ANSWERS / "thirteenth_round.jsonl"
# Two more, written blind midway through the ninth round (customers typing on phones; customers telling their
# situation in their own words); their totals were taken on arrival, then their rows were opened.
FOURTEENTH_ROUND = ANSWERS / "fourteenth_round.jsonl"
FIFTEENTH_ROUND = ANSWERS / "fifteenth_round.jsonl"
# Two more, written blind late in the ninth round in the original style; totals taken on arrival, then opened.
SIXTEENTH_ROUND = ANSWERS / "sixteenth_round.jsonl"
SEVENTEENTH_ROUND = ANSWERS / "seventeenth_round.jsonl"
# Two more, written blind at the start of the tenth round in the original style (one by a varied crowd of
# customers); totals taken on arrival, then opened.
EIGHTEENTH_ROUND = ANSWERS / "eighteenth_round.jsonl"
NINETEENTH_ROUND = ANSWERS / "nineteenth_round.jsonl"
# Two more, written blind early in the tenth round (customers typing on phones; customers telling their
# situation first); totals taken on arrival, then opened.
TWENTIETH_ROUND = ANSWERS / "twentieth_round.jsonl"
TWENTY_FIRST_ROUND = ANSWERS / "twenty_first_round.jsonl"
# Two more, written blind midway through the tenth round (the original style; customers who describe a
# thing instead of naming it); totals taken on arrival, then opened.
TWENTY_SECOND_ROUND = ANSWERS / "twenty_second_round.jsonl"
TWENTY_THIRD_ROUND = ANSWERS / "twenty_third_round.jsonl"
TWENTY_FOURTH_ROUND = ANSWERS / "twenty_fourth_round.jsonl"
TWENTY_FIFTH_ROUND = ANSWERS / "twenty_fifth_round.jsonl"
TWENTY_SIXTH_ROUND = ANSWERS / "twenty_sixth_round.jsonl"
TWENTY_SEVENTH_ROUND = ANSWERS / "twenty_seventh_round.jsonl"
# Four more, written blind at the start of the twelfth round (the original style; customers typing on
# phones; customers telling their situation first in their own words; a varied crowd); totals taken on
# arrival, then opened.
TWENTY_EIGHTH_ROUND = ANSWERS / "twenty_eighth_round.jsonl"
TWENTY_NINTH_ROUND = ANSWERS / "twenty_ninth_round.jsonl"
THIRTIETH_ROUND = ANSWERS / "thirtieth_round.jsonl"
THIRTY_FIRST_ROUND = ANSWERS / "thirty_first_round.jsonl"
# Four more, written blind at the start of the thirteenth round (the original style; a varied crowd;
# customers typing on phones; customers telling their situation first); totals taken on arrival, then
# opened.
THIRTY_SECOND_ROUND = ANSWERS / "thirty_second_round.jsonl"
THIRTY_THIRD_ROUND = ANSWERS / "thirty_third_round.jsonl"
THIRTY_FOURTH_ROUND = ANSWERS / "thirty_fourth_round.jsonl"
THIRTY_FIFTH_ROUND = ANSWERS / "thirty_fifth_round.jsonl"
# Four more, written blind at the start of the fourteenth round (customers telling their situation first;
# terse mobile texts; customers writing in a second language; frustrated customers); totals taken on
# arrival, then opened.
THIRTY_SIXTH_ROUND = ANSWERS / "thirty_sixth_round.jsonl"
THIRTY_SEVENTH_ROUND = ANSWERS / "thirty_seventh_round.jsonl"
THIRTY_EIGHTH_ROUND = ANSWERS / "thirty_eighth_round.jsonl"
THIRTY_NINTH_ROUND = ANSWERS / "thirty_ninth_round.jsonl"
# The rounds written blind, 200 messages each (90 coffee shop, 110 ISP), in the order they were written.
ROUNDS_OF_200 = (
    FIFTH_ROUND,
    SIXTH_ROUND,
    SEVENTH_ROUND,
    EIGHTH_ROUND,
    NINTH_ROUND,
    TENTH_ROUND,
    ELEVENTH_ROUND,
    TWELFTH_ROUND,
    THIRTEENTH_ROUND,
    FOURTEENTH_ROUND,
    FIFTEENTH_ROUND,
    SIXTEENTH_ROUND,
    SEVENTEENTH_ROUND,
    EIGHTEENTH_ROUND,
    NINETEENTH_ROUND,
    TWENTIETH_ROUND,
    TWENTY_FIRST_ROUND,
    TWENTY_SECOND_ROUND,
    TWENTY_THIRD_ROUND,
    TWENTY_FOURTH_ROUND,
    TWENTY_FIFTH_ROUND,
    TWENTY_SIXTH_ROUND,
    TWENTY_SEVENTH_ROUND,
    TWENTY_EIGHTH_ROUND,
    TWENTY_NINTH_ROUND,
    THIRTIETH_ROUND,
    THIRTY_FIRST_ROUND,
    THIRTY_SECOND_ROUND,
    THIRTY_THIRD_ROUND,
    THIRTY_FOURTH_ROUND,
    THIRTY_FIFTH_ROUND,
    THIRTY_SIXTH_ROUND,
    THIRTY_SEVENTH_ROUND,
    THIRTY_EIGHTH_ROUND,
    THIRTY_NINTH_ROUND,
)
# A development set of off-topic messages only, many sharing a word with the tenant's own subject ("is the
# pharmacy open on sunday" to the coffee shop), written blind; its rows were opened.
OFF_TOPIC_PROBE = ANSWERS / "off_topic_probe.jsonl"

TENANTS = ("demo", "isp")
ROUTES = ("knowledge", "command", "template", "handoff", "clarify", "fallback")
SENTIMENTS = ("positive", "neutral", "negative")
DETAILS = ("entry", "command", "template", "reason")
# The share of each (tenant, expected route) stratum that goes to the held-back part.
HELD_BACK_SHARE = 0.4


@dataclass(frozen=True)
class Expected:
    route: str
    entry: str | None = None  # the exact question of the expected knowledge entry
    command: str | None = None
    template: str | None = None
    reason: str | None = None  # for "clarify": what the bot must ask for (order_number)


@dataclass(frozen=True)
class Row:
    id: str
    tenant: str
    text: str
    intent: str
    sentiment: str
    expect: Expected
    off_topic: bool

    @property
    def target(self) -> str:
        """What the row expects, as one short label: the route and its entry, command or template."""
        detail = self.expect.entry or self.expect.command or self.expect.template or self.expect.reason
        return f"{self.expect.route}: {detail}" if detail else self.expect.route


def parse_row(raw: Mapping[str, Any]) -> Row:
    expect = raw["expect"]
    return Row(
        id=raw["id"],
        tenant=raw["tenant"],
        text=raw["text"],
        intent=raw["intent"],
        sentiment=raw["sentiment"],
        expect=Expected(
            route=expect["route"],
            entry=expect.get("entry"),
            command=expect.get("command"),
            template=expect.get("template"),
            reason=expect.get("reason"),
        ),
        off_topic=bool(raw["off_topic"]),
    )


def to_json(row: Row) -> dict[str, Any]:
    expect: dict[str, str] = {"route": row.expect.route}
    for key in DETAILS:
        value = getattr(row.expect, key)
        if value is not None:
            expect[key] = value
    return {
        "id": row.id,
        "tenant": row.tenant,
        "text": row.text,
        "intent": row.intent,
        "sentiment": row.sentiment,
        "expect": expect,
        "off_topic": row.off_topic,
    }


def load(path: Path) -> list[Row]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_row(json.loads(line)) for line in lines if line.strip()]


def write(path: Path, rows: Iterable[Row]) -> None:
    path.write_text(
        "".join(json.dumps(to_json(row), ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )


def split(rows: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """(tuning, held_back): within each (tenant, expected route) stratum, rows ordered by the SHA-256 of
    their id; the first round(40 %) of each stratum are held back. Both keep the rows' own order."""
    strata: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        strata[(row.tenant, row.expect.route)].append(row)
    held: set[str] = set()
    for members in strata.values():
        ordered = sorted(members, key=lambda row: hashlib.sha256(row.id.encode()).hexdigest())
        held.update(row.id for row in ordered[: round(HELD_BACK_SHARE * len(ordered))])
    return [row for row in rows if row.id not in held], [row for row in rows if row.id in held]


@dataclass(frozen=True)
class TenantVocabulary:
    """What a row of one tenant may name: its entries' questions, commands, templates and intents."""

    entries: frozenset[str]
    commands: frozenset[str]
    templates: frozenset[str]
    intents: frozenset[str]


def problems(rows: Sequence[Row], vocabulary: Mapping[str, TenantVocabulary]) -> list[str]:
    """Every way the rows break the format of bench/ANSWERS.md; [] when they are all valid."""
    found: list[str] = []
    seen: set[str] = set()
    for row in rows:
        where = f"{row.id}: "
        if row.id in seen:
            found.append(where + "repeated id")
        seen.add(row.id)
        known = vocabulary.get(row.tenant)
        if known is None:
            found.append(where + f"unknown tenant {row.tenant!r}")
            continue
        if not row.text.strip():
            found.append(where + "empty text")
        if row.intent not in known.intents:
            found.append(where + f"intent {row.intent!r} is neither built in nor the tenant's")
        if row.sentiment not in SENTIMENTS:
            found.append(where + f"sentiment {row.sentiment!r}")
        expect = row.expect
        wanted = {
            "knowledge": ("entry", expect.entry, known.entries),
            "command": ("command", expect.command, known.commands),
            "template": ("template", expect.template, known.templates),
            "clarify": ("reason", expect.reason, frozenset({"order_number"})),
        }
        if expect.route not in ROUTES:
            found.append(where + f"route {expect.route!r}")
        elif expect.route in wanted:
            name, value, allowed = wanted[expect.route]
            if value not in allowed:
                found.append(where + f"{name} {value!r} is not one of the tenant's")
        others = [key for key in DETAILS if getattr(expect, key) is not None]
        if expect.route in wanted and others != [wanted[expect.route][0]]:
            found.append(where + f"expects {others} for route {expect.route}")
        if expect.route in ("handoff", "fallback") and others:
            found.append(where + f"expects {others} for route {expect.route}")
        if row.off_topic and expect.route != "fallback":
            found.append(where + "an off-topic message can only expect the fallback")
    return found
