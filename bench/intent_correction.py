"""Train the learned intent correction (bot/engine/intents/correction.py) on the answer set's
development parts.

Usage: .venv/bin/python -m bench.intent_correction [--write]
Seeds the demo tenants as bench/answers.py does, runs the real Router without the correction on every
message of the development parts (never the held-back part nor an unseen round), and prints how the
correction does on each development part when trained on the others (leave one part out), then on all
of them. ``--write`` trains on all development parts and writes bot/engine/intents/intent_correction.json.
Retrain after the rules change or a development part does: tests/engine/test_intent_correction.py
fails while the shipped model is stale.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from bench.answer_set import EIGHTH_ROUND, NINTH_ROUND, ROUNDS_OF_200, SECOND_ROUND, TUNING, load
from bench.answers import decide_all, demo_tenants
from bot.engine.intents.correction import SHIPPED, Example, IntentCorrection, fit
from bot.engine.router import Router

# The parts whose rows were opened while the engine was built (bench/ANSWERS.md). The held-back part and
# the unseen rounds (third, fourth, eighth, ninth) are never trained on: they measure the result.
DEVELOPMENT = (
    TUNING,
    SECOND_ROUND,
    *(part for part in ROUNDS_OF_200 if part not in (EIGHTH_ROUND, NINTH_ROUND)),
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def examples(parts: Sequence[Path] = DEVELOPMENT) -> dict[str, list[Example]]:
    """Each part's rows as examples: the engine's reading and route without the correction."""
    router = Router(intent_correction=None)
    found: dict[str, list[Example]] = {}
    async with demo_tenants() as (_, setups):
        for part in parts:
            outcomes = await decide_all(router, load(part), setups)
            found[part.name] = [
                Example(
                    text=o.row.text,
                    intent=o.intent,
                    route=o.decision.route,
                    label=o.row.intent,
                    entry_intent=o.decision.offered_entry_intent,
                    sentiment=o.decision.sentiment,
                )
                for o in outcomes
            ]
    return found


def train(parts: dict[str, list[Example]], paths: Sequence[Path] = DEVELOPMENT) -> IntentCorrection:
    every = [example for rows in parts.values() for example in rows]
    return fit(every, {path.name: digest(path) for path in paths if path.name in parts})


def accuracy(model: IntentCorrection, examples: Iterable[Example]) -> tuple[int, int, int]:
    """(right before, right after, total): the engine's readings and the model's against the labels."""
    before = after = total = 0
    for example in examples:
        total += 1
        before += example.intent == example.label
        after += (
            model.reading(
                example.text, example.intent, example.route, example.entry_intent, example.sentiment
            )
            == example.label
        )
    return before, after, total


def changes(model: IntentCorrection, examples: Iterable[Example]) -> Counter[tuple[str, str]]:
    """How often the model reads a turn (engine's reading, model's reading) differently."""
    return Counter(
        (example.intent, new)
        for example in examples
        if (
            new := model.reading(
                example.text, example.intent, example.route, example.entry_intent, example.sentiment
            )
        )
        != example.intent
    )


def report(parts: dict[str, list[Example]]) -> list[str]:
    lines = [
        "| held out | rules | with the correction (trained on the other parts) | of |",
        "| --- | ---: | ---: | ---: |",
    ]
    total = [0, 0, 0]
    for name, rows in parts.items():
        others = {other: kept for other, kept in parts.items() if other != name}
        before, after, count = accuracy(train(others), rows)
        total = [total[0] + before, total[1] + after, total[2] + count]
        lines.append(f"| {name} | {100 * before / count:.1f} % | {100 * after / count:.1f} % | {count} |")
    lines.append(
        f"| all | {100 * total[0] / total[2]:.1f} % | {100 * total[1] / total[2]:.1f} % | {total[2]} |"
    )
    model = train(parts)
    every = [example for rows in parts.values() for example in rows]
    before, after, count = accuracy(model, every)
    lines.append("")
    lines.append(
        f"Trained on all {count} development messages: {100 * before / count:.1f} % -> "
        f"{100 * after / count:.1f} % on them (fitted), {len(model.weights)} features."
    )
    lines.append(
        "Most frequent changes (rules -> correction): "
        + ", ".join(f"{old} -> {new} {n}" for (old, new), n in changes(model, every).most_common(8))
    )
    return lines


def as_text(model: IntentCorrection) -> str:
    """The model as JSON with one feature per line, so that a retrained model's diff can be read."""
    raw = model.to_json()
    weights = raw.pop("weights")
    head = json.dumps(raw, indent=1)[:-2]
    lines = [f"  {json.dumps(name)}: {json.dumps(weight)}" for name, weight in weights.items()]
    return head + ',\n "weights": {\n' + ",\n".join(lines) + "\n }\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {SHIPPED.name}")
    args = parser.parse_args()
    parts = asyncio.run(examples())
    print("\n".join(report(parts)))
    if args.write:
        SHIPPED.write_text(as_text(train(parts)), encoding="utf-8")
        print(f"wrote {SHIPPED}")


if __name__ == "__main__":
    main()
