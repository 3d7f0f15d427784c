"""`python -m bench.intent_correction`: the shipped intent correction learned only from the development
parts of the answer set, and is what training on them gives today."""

from __future__ import annotations

import json

from bench.answer_set import EIGHTH_ROUND, FOURTH_ROUND, HELD_BACK, NINTH_ROUND, THIRD_ROUND
from bench.intent_correction import DEVELOPMENT, as_text, digest, examples, train
from bot.engine.intents.correction import IntentCorrection, shipped

RETRAIN = "retrain with: python -m bench.intent_correction --write"


def test_the_shipped_model_learned_from_the_development_parts_as_they_are_now() -> None:
    model = shipped()
    assert model is not None
    assert model.trained_on == {path.name: digest(path) for path in DEVELOPMENT}, RETRAIN
    unseen = {path.name for path in (HELD_BACK, THIRD_ROUND, FOURTH_ROUND, EIGHTH_ROUND, NINTH_ROUND)}
    assert not unseen & set(model.trained_on)


async def test_the_shipped_model_reads_the_development_messages_as_a_fresh_training_does() -> None:
    model = shipped()
    assert model is not None
    parts = await examples()
    fresh = train(parts)
    # What --write would write now: the fresh weights as stored (rounded to the file's decimals).
    again = IntentCorrection.from_json(json.loads(as_text(fresh)))
    every = [example for rows in parts.values() for example in rows]
    differ = [
        e.text
        for e in every
        if again.reading(e.text, e.intent, e.route, e.entry_intent, e.sentiment)
        != model.reading(e.text, e.intent, e.route, e.entry_intent, e.sentiment)
    ]
    # The engine's readings are the model's inputs: a change to the rules makes the model stale.
    assert differ == [], RETRAIN
    assert again.labels == model.labels
    assert again.routes == model.routes
