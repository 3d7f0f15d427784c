"""The rules of the lead lifecycle as plain functions: points per signal, label bands, stage order, type.

Nothing here reads or writes the database; ``bot.leads.lead_updates`` applies these rules to a customer
and writes one ``lead_activities`` row per change.

Signals and what they do (the README's table says the same):

=================  ======  ==========================================
signal             points  stage it moves to (forward only)
=================  ======  ==========================================
product_inquiry    +5      nurture
pricing            +10     nurture
purchase_intent    +20     convert
complaint          -10     (none)
link_click         +15     convert   (the first click on a tracked link)
purchase           +40     qualified (also from unqualified or lost)
=================  ======  ==========================================

Intent signals count only when the scorer is at least ``MIN_INTENT_SCORE`` sure. The score stays in
0..100. Automatic stage moves only go forward (intake < nurture < convert < qualified / unqualified /
lost, the last three final); a purchase is the one exception, lifting unqualified or lost to qualified.
Agents may set any stage or label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.errors import AdminError
from storage.models.customer_tables import CUSTOMER_TYPES, LEAD_LABELS, LEAD_STAGES

Signal = Literal["product_inquiry", "pricing", "purchase_intent", "complaint", "link_click", "purchase"]


@dataclass(frozen=True)
class SignalRule:
    points: int
    stage: str | None
    # The activity row's reason: a fixed text, so forgetting a customer can keep it (it names no one).
    reason: str


SIGNALS: dict[str, SignalRule] = {
    "product_inquiry": SignalRule(5, "nurture", "asked about a product"),
    "pricing": SignalRule(10, "nurture", "asked about prices"),
    "purchase_intent": SignalRule(20, "convert", "wants to buy"),
    "complaint": SignalRule(-10, None, "complained"),
    "link_click": SignalRule(15, "convert", "opened a tracked link"),
    "purchase": SignalRule(40, "qualified", "made a purchase"),
}
# The intents among the signals (the scorer names them so).
INTENT_SIGNALS = frozenset({"product_inquiry", "pricing", "purchase_intent", "complaint"})
# An intent guessed with less confidence than this moves nothing (the scorer's own floor is 0.2).
MIN_INTENT_SCORE = 0.4

# Label bands: the lowest score of each label, highest first.
LABEL_FLOORS = ((70, "hot"), (40, "warm"), (0, "cold"))
VIP_SCORE = 90

# Forward order of the stages; the three outcomes share the last rank, and nothing automatic leaves it.
STAGE_RANK = {"intake": 0, "nurture": 1, "convert": 2, "qualified": 3, "unqualified": 3, "lost": 3}
FINAL_RANK = 3
TYPE_RANK = {"new": 0, "returning": 1, "vip": 2}

MANUAL_REASON = "set by an agent"
RETURNING_REASON = "came back for another conversation"
VIP_REASON = f"lead score reached {VIP_SCORE}"
LLM_SCORE_REASON = "the assistant rescored the lead"
# Reasons our own rules write: they name no one, so forgetting a customer keeps them.
FIXED_REASONS = frozenset(
    {rule.reason for rule in SIGNALS.values()}
    | {MANUAL_REASON, RETURNING_REASON, VIP_REASON, LLM_SCORE_REASON}
)

assert set(STAGE_RANK) == set(LEAD_STAGES)
assert {label for _, label in LABEL_FLOORS} == set(LEAD_LABELS)
assert set(TYPE_RANK) == set(CUSTOMER_TYPES)


class LeadValueError(AdminError):
    """An agent asked for a stage, label or customer type that does not exist."""


def label_for(score: int) -> str:
    """hot from 70, warm from 40, cold below."""
    return next(label for floor, label in LABEL_FLOORS if score >= floor)


def clamp_score(score: int) -> int:
    return max(0, min(100, score))


def label_after(old_score: int, new_score: int, current_label: str) -> str:
    """The label once the score moved: it follows the score when the score crosses into another band,
    and otherwise stays as it is (so a label an agent set holds until the score really moves)."""
    if label_for(new_score) != label_for(old_score):
        return label_for(new_score)
    return current_label


def automatic_stage(current: str, target: str | None, *, purchase: bool = False) -> str | None:
    """The stage an automatic rule may move ``current`` to when it points at ``target``; None to stay.

    Only forward, never out of a final stage (qualified, unqualified, lost), with one exception: a
    purchase makes an unqualified or lost lead qualified.
    """
    if target is None or target == current:
        return None
    if purchase and target == "qualified":
        return target
    if STAGE_RANK.get(current, 0) >= FINAL_RANK:
        return None
    return target if STAGE_RANK[target] > STAGE_RANK.get(current, 0) else None


def automatic_type(current: str, *, score: int, returning: bool) -> str | None:
    """The customer type the rules give (vip from ``VIP_SCORE``, returning on a later conversation), or
    None when it stays: automatic changes only go up (new < returning < vip)."""
    wanted = "vip" if score >= VIP_SCORE else "returning" if returning else "new"
    return wanted if TYPE_RANK[wanted] > TYPE_RANK.get(current, 0) else None


def checked(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    """``value`` if it is one of ``allowed`` (or None), else LeadValueError naming the allowed ones."""
    if value is not None and value not in allowed:
        raise LeadValueError(f"unknown {what} {value!r}: one of {', '.join(allowed)}")
    return value
