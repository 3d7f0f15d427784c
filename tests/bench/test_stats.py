"""The benchmark counts replies and computes its figures the way its report says it does."""

from __future__ import annotations

import math

import pytest

from bench.stats import ReplyLedger, Spread, percentile, ratio


def test_percentiles_interpolate_between_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]

    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 100) == 4.0
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match="percentile"):
        percentile(values, 101)


def test_a_spread_is_the_median_of_the_runs_with_their_extremes() -> None:
    assert Spread.of([30.0, 10.0, 20.0, math.nan]) == Spread(20.0, 10.0, 30.0)
    assert math.isnan(Spread.of([]).median)


def test_ratios_are_value_over_anchor_and_undefined_without_one() -> None:
    assert ratio(48.0, 1400.0) == pytest.approx(0.0343, abs=1e-4)
    assert math.isnan(ratio(1.0, 0.0))
    assert math.isnan(ratio(math.nan, 2.0))


def test_every_message_answered_once_in_order_is_clean() -> None:
    ledger = ReplyLedger()
    ledger.sent("a", 0, at=1.0)
    ledger.sent("a", 1, at=1.5)
    ledger.sent("b", 0, at=2.0)

    assert ledger.replied("a", 0, at=3.0) == 2.0
    assert ledger.replied("b", 0, at=3.5) == 1.5
    assert ledger.replied("a", 1, at=4.0) == 2.5

    counts = ledger.accounting()
    assert (counts.sent, counts.answered, counts.lost, counts.duplicates, counts.out_of_order) == (
        3,
        3,
        0,
        0,
        0,
    )


def test_a_second_answer_is_a_duplicate_and_a_missing_one_is_lost() -> None:
    ledger = ReplyLedger()
    ledger.sent("a", 0, at=0.0)
    ledger.sent("a", 1, at=0.0)

    ledger.replied("a", 0, at=1.0)
    assert ledger.replied("a", 0, at=2.0) is None  # the platform got the same reply twice

    counts = ledger.accounting()
    assert (counts.answered, counts.lost, counts.duplicates) == (1, 1, 1)
    assert ledger.outstanding() == 1


def test_an_answer_overtaking_an_earlier_message_is_out_of_order() -> None:
    ledger = ReplyLedger()
    for question in (0, 1, 2):
        ledger.sent("a", question, at=0.0)

    ledger.replied("a", 1, at=1.0)
    ledger.replied("a", 0, at=2.0)  # answers message 0 after message 1 was answered
    ledger.replied("a", 2, at=3.0)

    assert ledger.accounting().out_of_order == 1
    assert ledger.accounting().lost == 0


def test_repeated_questions_are_matched_to_the_earliest_unanswered_message() -> None:
    ledger = ReplyLedger()
    ledger.sent("a", 0, at=0.0)
    ledger.sent("a", 1, at=1.0)
    ledger.sent("a", 0, at=2.0)  # the workload came round to question 0 again

    assert ledger.replied("a", 0, at=5.0) == 5.0
    assert ledger.replied("a", 1, at=6.0) == 5.0
    assert ledger.replied("a", 0, at=7.0) == 5.0
    assert ledger.accounting().out_of_order == 0


def test_refused_webhooks_owe_no_reply_and_unknown_replies_are_counted_apart() -> None:
    ledger = ReplyLedger()
    number = ledger.sent("a", 0, at=0.0)
    ledger.withdraw("a", number)

    assert ledger.replied("a", None, at=1.0) is None  # a text that answers none of the questions
    assert ledger.replied("nobody", 0, at=1.0) is None

    counts = ledger.accounting()
    assert (counts.sent, counts.refused, counts.answered, counts.lost, counts.unknown) == (1, 1, 0, 0, 2)
