"""The lead rules as plain functions: label bands, forward-only stages, customer types, bad values."""

from __future__ import annotations

import pytest

from bot.leads.lead_rules import (
    FIXED_REASONS,
    SIGNALS,
    LeadValueError,
    automatic_stage,
    automatic_type,
    checked,
    label_after,
    label_for,
)
from storage.models.customer_tables import LEAD_STAGES


@pytest.mark.parametrize(
    ("score", "label"), [(0, "cold"), (39, "cold"), (40, "warm"), (69, "warm"), (70, "hot"), (100, "hot")]
)
def test_labels_follow_the_score_bands(score: int, label: str) -> None:
    assert label_for(score) == label


def test_a_label_set_by_hand_holds_until_the_score_crosses_a_band() -> None:
    assert label_after(10, 30, "hot") == "hot"  # both cold: the agent's "hot" stays
    assert label_after(30, 45, "hot") == "warm"  # into warm: the score speaks again


@pytest.mark.parametrize(
    ("current", "target", "moved"),
    [
        ("intake", "nurture", "nurture"),
        ("intake", "convert", "convert"),
        ("nurture", "convert", "convert"),
        ("convert", "nurture", None),
        ("convert", "intake", None),
        ("nurture", "lost", "lost"),
        ("qualified", "lost", None),
        ("lost", "convert", None),
        ("unqualified", "nurture", None),
        ("nurture", "nurture", None),
        ("nurture", None, None),
    ],
)
def test_automatic_stage_moves_only_forward(current: str, target: str | None, moved: str | None) -> None:
    assert automatic_stage(current, target) == moved


@pytest.mark.parametrize("current", ["intake", "convert", "unqualified", "lost"])
def test_a_purchase_qualifies_from_any_stage(current: str) -> None:
    assert automatic_stage(current, "qualified", purchase=True) == "qualified"


def test_customer_types_only_go_up_automatically() -> None:
    assert automatic_type("new", score=10, returning=False) is None
    assert automatic_type("new", score=10, returning=True) == "returning"
    assert automatic_type("returning", score=90, returning=True) == "vip"
    assert automatic_type("new", score=95, returning=False) == "vip"
    assert automatic_type("vip", score=0, returning=False) is None
    assert automatic_type("returning", score=20, returning=False) is None


def test_every_signal_points_at_a_real_stage_and_gives_a_fixed_reason() -> None:
    for rule in SIGNALS.values():
        assert rule.stage is None or rule.stage in LEAD_STAGES
        assert rule.reason in FIXED_REASONS
    assert SIGNALS["complaint"].points < 0 < SIGNALS["pricing"].points < SIGNALS["purchase"].points


def test_an_unknown_value_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(LeadValueError, match="unknown lead stage 'vip': one of intake, nurture"):
        checked("vip", LEAD_STAGES, "lead stage")
    assert checked(None, LEAD_STAGES, "lead stage") is None
