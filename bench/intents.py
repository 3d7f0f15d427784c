"""Benchmark: intent and sentiment accuracy of the local scorer on the labelled set, and its speed.

Usage: .venv/bin/python -m bench.intents [--rounds 20]
Reads tests/data/intents.jsonl (with the tenant intents in tests/data/tenant_intents.json) and prints
a Markdown report: accuracy overall and per intent, sentiment accuracy, milliseconds per call. Writes
no files.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.engine.intents.scorer import BUILTIN_INTENTS, OTHER, IntentScorer
from bot.engine.types import IntentDefinition

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


@dataclass(frozen=True)
class Labelled:
    text: str
    intent: str
    sentiment: str


def load_labelled(path: Path = DATA / "intents.jsonl") -> list[Labelled]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Labelled(row["text"], row["intent"], row["sentiment"]) for row in rows]


def load_tenant_intents(path: Path = DATA / "tenant_intents.json") -> tuple[IntentDefinition, ...]:
    return tuple(
        IntentDefinition(item["name"], tuple(item["examples"]))
        for item in json.loads(path.read_text(encoding="utf-8"))
    )


def keyword_overlap_intent(text: str, tenant_intents: Sequence[IntentDefinition]) -> str:
    """The baseline: the intent of the example phrase sharing the most words with ``text``, else other."""
    words = set(re.findall(r"\w+", text.casefold()))
    phrases = [(name, phrase) for name, phrases in BUILTIN_INTENTS.items() for phrase in phrases]
    phrases += [(intent.name, phrase) for intent in tenant_intents for phrase in intent.examples]
    best, best_overlap = OTHER, 0
    for name, phrase in phrases:
        overlap = len(words & set(re.findall(r"\w+", phrase.casefold())))
        if overlap > best_overlap:
            best, best_overlap = name, overlap
    return best


def table(labels: Sequence[str], expected: Sequence[str], predicted: Sequence[str], title: str) -> str:
    """Per-label precision, recall and F1 as a Markdown table."""
    pairs = Counter(zip(expected, predicted, strict=True))
    lines = [f"| {title} | n | precision | recall | F1 |", "| --- | ---: | ---: | ---: | ---: |"]
    for label in labels:
        true_positive = pairs[(label, label)]
        support = sum(count for (want, _), count in pairs.items() if want == label)
        guessed = sum(count for (_, got), count in pairs.items() if got == label)
        precision = true_positive / guessed if guessed else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        lines.append(f"| {label} | {support} | {precision:.2f} | {recall:.2f} | {f1:.2f} |")
    return "\n".join(lines)


def accuracy(expected: Sequence[str], predicted: Sequence[str]) -> str:
    right = sum(want == got for want, got in zip(expected, predicted, strict=True))
    return f"{100 * right / len(expected):.1f} % ({right}/{len(expected)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20, help="times the whole set is scored for timing")
    args = parser.parse_args()

    rows = load_labelled()
    tenant_intents = load_tenant_intents()

    started = time.perf_counter()
    scorer = IntentScorer()
    build_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    scorer.score("hello", tenant_intents)  # loads VADER's lexicon and indexes the tenant intents
    first_call_ms = (time.perf_counter() - started) * 1000

    results = [scorer.score(row.text, tenant_intents) for row in rows]
    round_ms = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for row in rows:
            scorer.score(row.text, tenant_intents)
        round_ms.append((time.perf_counter() - started) * 1000 / len(rows))
    long_text = "where is my order? it still has not arrived. " * 450
    started = time.perf_counter()
    for _ in range(args.rounds):
        scorer.score(long_text, tenant_intents)
    long_ms = (time.perf_counter() - started) * 1000 / args.rounds

    expected_intents = [row.intent for row in rows]
    predicted_intents = [result.intent for result in results]
    baseline_intents = [keyword_overlap_intent(row.text, tenant_intents) for row in rows]
    expected_sentiments = [row.sentiment for row in rows]
    predicted_sentiments = [result.sentiment for result in results]
    intent_labels = [*BUILTIN_INTENTS, *(intent.name for intent in tenant_intents)]

    print(f"# Intent scorer: tests/data/intents.jsonl, {len(rows)} utterances, {len(intent_labels)} intents")
    print()
    print(f"- Intent accuracy: {accuracy(expected_intents, predicted_intents)}")
    print(f"- Keyword-overlap baseline, same examples: {accuracy(expected_intents, baseline_intents)}")
    print(f"- Sentiment accuracy: {accuracy(expected_sentiments, predicted_sentiments)}")
    print(
        f"- Mean time per call: {statistics.mean(round_ms):.3f} ms "
        f"(median round {statistics.median(round_ms):.3f} ms, {args.rounds} rounds over the set); "
        f"a 20,000-character message: {long_ms:.2f} ms"
    )
    print(f"- Once per process: building the scorer {build_ms:.0f} ms, first call {first_call_ms:.0f} ms")
    print(f"- Python {platform.python_version()} on {platform.machine()}")
    print()
    print(table(intent_labels, expected_intents, predicted_intents, "intent"))
    print()
    print(table(["positive", "neutral", "negative"], expected_sentiments, predicted_sentiments, "sentiment"))


if __name__ == "__main__":
    main()
