"""A learned second reading of an offline turn's intent, from labelled customer messages.

The scorer (bot/engine/intents/scorer.py) and the answer's reading of it (bot/engine/answered_intent.py)
are rules. Where two built-in intents overlap, the rules can't tell them apart: "can I pay by paypal"
is a question about the offer (``product_inquiry``) or a request for help (``support``), and "do you
do gift cards" is an inquiry or a purchase. The labelled answer set (tests/data/answers/, see
bench/ANSWERS.md) says how customers' messages like these are labelled. A softmax (multinomial
logistic) regression learns it from:

- the engine's own reading of the turn (its intent, or ``tenant`` for one of the tenant's own intents),
  the route it answered by, the scorer's reading of the question of the entry it offered, and the
  message's sentiment (an upset customer asking for a fix is a complaint to many writers);
- the message's word stems and adjacent-stem pairs (bot/engine/word_forms.py), and how it opens (its
  first stem and first two: "do you", "how do", "can i" say what kind of question it is);
- the character 3-grams inside its words, so a misspelt word ("conection", "sloooow") still
  shares most features with the word it means (in grouped cross-validation over the development
  parts they added about 0.6 points).

It is trained offline by ``python -m bench.intent_correction --write`` on the development parts of the
answer set only, and its weights ship with the package (intent_correction.json, which names the files
it learned from and their SHA-256). It reads again only a turn the local scorer read (a model's reading
is left alone), on a route it was trained on other than a handoff, and only a reading of what the
customer asks about or complains of: small talk (greeting, thanks, goodbye) and a request for a person
stand, and it never answers with any of these. The tenants' own intents are one class to it
(``tenant``): it may read one of them again ("y is my internet so slow tonight" is the ISP's outage to
the rules and a request for help to most writers; in grouped cross-validation this added about 0.6
points), but never gives one, since it cannot tell which of a tenant's intents is meant. A complaint the bot
apologised for stands; one it answered from an entry or asked back about may be read again ("the bag
split open, what now" is a request for help to one writer and a complaint to another). It
changes a reading only when it is surer of another by ``MARGIN``. It changes no route and no reply: the
turn's answer is decided first.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.engine.intents.phrases import BUILTIN_INTENTS, COURTESY_INTENTS
from bot.engine.word_forms import stem, words

__all__ = [
    "COMPLAINT_ANSWERED",
    "SHIPPED",
    "STANDING",
    "Example",
    "IntentCorrection",
    "features",
    "fit",
    "shipped",
]

SHIPPED = Path(__file__).resolve().parent / "intent_correction.json"
TENANT_INTENT = "tenant"
# Training: L2 strength (on the whole training set, not per example: a handful of examples feel it far
# more than thousands), full-batch accelerated gradient steps and their size. 300 steps
# reach the minimum (more change no reading). L2 is chosen by the leave-one-part-out figures that
# `python -m bench.intent_correction` prints and by leaving a whole tenant out (a weaker L2 fits this
# tenant's words better and the other tenant's worse).
L2 = 5.0
ITERATIONS = 300
STEP = 0.5
# Readings the model never changes nor gives: small talk, and a request for a person (the bot's own
# behaviour follows from it). The model tells apart what a customer asks about (the informational intents
# and ``other``) and whether they complain while asking ("why has my bill gone up this month??").
STANDING = frozenset({*COURTESY_INTENTS, "human_request"})
COMPLAINT = "complaint"
# The routes on which the rules' complaint may be read again: the bot answered from an entry or asked back
# (an apology and a handoff are how the bot treated the complaint, so there it stands).
COMPLAINT_ANSWERED = frozenset({"knowledge", "clarify"})
# A turn handed to a person keeps the reading its handoff rule acted on.
HANDOFF = "handoff"
# The model changes a reading only when it is surer of another by this much (in probability): where
# the rules and the model nearly agree, the rules' reading stands. 0.1 did better than 0.2 or 0.3 in
# grouped cross-validation over the development parts.
MARGIN = 0.1
# A feature is learned only when this many training examples have it: one seen once says little about
# the next message, and the file stays small.
MIN_COUNT = 2
# Weights are stored to this many decimals: the file stays small and its text stable.
DECIMALS = 3


@dataclass(frozen=True)
class Example:
    """One labelled turn: the message, how the engine read and answered it, and the intent it has."""

    text: str
    intent: str  # the engine's reading
    route: str
    label: str  # the labelled intent
    entry_intent: str | None = None  # the reading of the question of the entry the answer offered
    sentiment: str | None = None  # the engine's reading of the customer's feeling


def features(
    text: str, intent: str, route: str, entry_intent: str | None = None, sentiment: str | None = None
) -> list[str]:
    """The names of a turn's features (each worth 1): its reading, its route, the reading of the entry
    its answer offered, its sentiment, how it opens, its stems and pairs, its words' character 3-grams."""
    said = words(text)
    stems = [stem(word) for word in said]
    return [
        f"intent={_kind(intent)}",
        f"route={route}",
        f"entry={'none' if entry_intent is None else _kind(entry_intent)}",
        *((f"sentiment={sentiment}",) if sentiment is not None else ()),
        f"first={stems[0] if stems else ''}",
        f"start={'_'.join(stems[:2])}",
        *(f"word={s}" for s in dict.fromkeys(stems)),
        *(f"pair={a}_{b}" for a, b in dict.fromkeys(itertools.pairwise(stems))),
        *(f"chars={gram}" for gram in dict.fromkeys(_trigrams(said))),
    ]


def _trigrams(said: Sequence[str]) -> list[str]:
    """The character 3-grams inside each space-padded word: "conection" shares most of "connection"'s,
    and "sloooow" (its repeats folded by ``words``) most of "slow"'s."""
    return [padded[i : i + 3] for word in said for padded in (f" {word} ",) for i in range(len(padded) - 2)]


@dataclass(frozen=True)
class IntentCorrection:
    """The learned model: one weight per (feature, label), a bias per label, and what it knows."""

    labels: tuple[str, ...]
    routes: frozenset[str]
    bias: np.ndarray
    weights: Mapping[str, np.ndarray]
    trained_on: Mapping[str, str]  # file name -> SHA-256 of the data it learned from

    @functools.cached_property
    def _rows(self) -> dict[str, int]:
        """Each feature's row in ``_matrix``."""
        return {name: row for row, name in enumerate(self.weights)}

    @functools.cached_property
    def _matrix(self) -> np.ndarray:
        """The weights as one array, a row per feature (in ``_rows``' order) and a column per label."""
        if not self.weights:
            return np.zeros((0, len(self.labels)))
        return np.stack(list(self.weights.values()))

    def applies(self, intent: str, route: str) -> bool:
        """Whether a turn read as ``intent`` and answered by ``route`` is one this model may read again."""
        return (
            intent not in STANDING
            and route in self.routes
            and route != HANDOFF
            and (intent != COMPLAINT or route in COMPLAINT_ANSWERED)
        )

    def probabilities(
        self,
        text: str,
        intent: str,
        route: str,
        entry_intent: str | None = None,
        sentiment: str | None = None,
    ) -> dict[str, float]:
        rows = self._rows
        present = [
            row
            for name in features(text, intent, route, entry_intent, sentiment)
            if (row := rows.get(name)) is not None
        ]
        # One gather and one sum over the turn's features: adding their weights one by one was most of
        # the model's time in a decision.
        logits = self.bias + self._matrix[present].sum(axis=0)
        exp = np.exp(logits - logits.max())
        return dict(zip(self.labels, (exp / exp.sum()).tolist(), strict=True))

    def reading(
        self,
        text: str,
        intent: str,
        route: str,
        entry_intent: str | None = None,
        sentiment: str | None = None,
    ) -> str:
        """The intent the model gives the turn; ``intent`` itself where the model does not apply or is
        not surer of another reading by ``MARGIN``."""
        if not self.applies(intent, route):
            return intent
        scores = self.probabilities(text, intent, route, entry_intent, sentiment)
        best = max(
            (label for label in scores if label not in STANDING and label != TENANT_INTENT),
            key=lambda label: scores[label],
        )
        return best if scores[best] - scores.get(_kind(intent), 0.0) > MARGIN else intent

    def to_json(self) -> dict[str, Any]:
        return {
            "about": "bot/engine/intents/correction.py; retrain: python -m bench.intent_correction --write",
            "trained_on": dict(sorted(self.trained_on.items())),
            "labels": list(self.labels),
            "routes": sorted(self.routes),
            "bias": _rounded(self.bias),
            "weights": {name: _rounded(weight) for name, weight in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> IntentCorrection:
        labels = tuple(raw["labels"])
        unknown = set(labels) - {*BUILTIN_INTENTS, TENANT_INTENT}
        if unknown:
            raise ValueError(f"the intent correction knows labels that are not built-in: {sorted(unknown)}")
        return cls(
            labels=labels,
            routes=frozenset(raw["routes"]),
            bias=np.asarray(raw["bias"], dtype=float),
            weights={name: np.asarray(weight, dtype=float) for name, weight in raw["weights"].items()},
            trained_on=dict(raw["trained_on"]),
        )


def fit(
    examples: Sequence[Example],
    trained_on: Mapping[str, str],
    *,
    l2: float = L2,
    iterations: int = ITERATIONS,
    step: float = STEP,
    min_count: int = MIN_COUNT,
) -> IntentCorrection:
    """Softmax regression by full-batch accelerated gradient descent on the examples, a tenant's own
    intent labelled ``tenant``; at least one label must be built-in.

    Deterministic: the same examples give the same weights. Features seen in fewer than ``min_count``
    examples are left out.
    """
    usable = list(examples)
    if not any(example.label in BUILTIN_INTENTS for example in usable):
        raise ValueError("no example has a built-in intent label")
    labels = tuple(sorted({_kind(example.label) for example in usable}))
    rows = [features(e.text, e.intent, e.route, e.entry_intent, e.sentiment) for e in usable]
    seen = Counter(name for row in rows for name in row)
    names = sorted(name for name, count in seen.items() if count >= min_count)
    column = {name: n for n, name in enumerate(names)}
    # The examples' features as (example, feature) pairs, once in example order and once in feature
    # order: each is a run of sums (np.add.reduceat), which keeps a step fast and its sums in one order.
    pairs = [(r, c) for r, row in enumerate(rows) for c in sorted({column[n] for n in row if n in column})]
    row_of = np.asarray([r for r, _ in pairs], dtype=np.intp)
    col_of = np.asarray([c for _, c in pairs], dtype=np.intp)
    featured, row_starts = np.unique(row_of, return_index=True)
    by_feature = np.argsort(col_of, kind="stable")
    feature_rows = row_of[by_feature]
    col_starts = np.unique(col_of[by_feature], return_index=True)[1]
    targets = np.eye(len(labels))[[labels.index(_kind(example.label)) for example in usable]]
    weights = np.zeros((len(names), len(labels)))
    bias = np.zeros(len(labels))
    # Nesterov's accelerated gradient: each step is taken from a point ahead along the last move, which
    # reaches the minimum in far fewer steps than plain gradient descent on this (convex) loss.
    ahead_weights, ahead_bias = weights, bias
    count = len(usable)
    momentum = 1.0
    for _ in range(iterations):
        logits = np.tile(ahead_bias, (count, 1))
        if len(featured):
            logits[featured] += np.add.reduceat(ahead_weights[col_of], row_starts, axis=0)
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        error = (probabilities - targets) / count
        gradient = np.add.reduceat(error[feature_rows], col_starts, axis=0) if len(names) else ahead_weights
        new_weights = ahead_weights - step * (gradient + l2 * ahead_weights / count)
        new_bias = ahead_bias - step * error.sum(axis=0)
        next_momentum = (1 + (1 + 4 * momentum * momentum) ** 0.5) / 2
        carry = (momentum - 1) / next_momentum
        ahead_weights = new_weights + carry * (new_weights - weights)
        ahead_bias = new_bias + carry * (new_bias - bias)
        weights, bias, momentum = new_weights, new_bias, next_momentum
    return IntentCorrection(
        labels=labels,
        routes=frozenset(example.route for example in usable),
        bias=bias,
        weights={name: weights[column[name]] for name in names},
        trained_on=dict(trained_on),
    )


@functools.cache
def shipped() -> IntentCorrection | None:
    """The model that ships with the package, or None when its file is missing."""
    if not SHIPPED.exists():
        return None
    return IntentCorrection.from_json(json.loads(SHIPPED.read_text(encoding="utf-8")))


def _kind(intent: str) -> str:
    return intent if intent in BUILTIN_INTENTS else TENANT_INTENT


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(value), DECIMALS) for value in values]
