"""The conversation state machine of DESIGN.md section 5; an illegal transition raises."""

from __future__ import annotations

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"bot_active", "escalated", "closed"}),
    "bot_active": frozenset({"escalated", "closed"}),
    "escalated": frozenset({"transferred", "resolved", "closed"}),
    "transferred": frozenset({"bot_active", "resolved", "closed"}),
    "resolved": frozenset({"closed"}),
    "closed": frozenset(),
}


class IllegalTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"a conversation cannot go from {current!r} to {target!r}")
        self.current = current
        self.target = target


def check_transition(current: str, target: str) -> str:
    """Return ``target`` if the move is allowed (staying put always is), else raise IllegalTransition."""
    if current == target:
        return target
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(current, target)
    return target
