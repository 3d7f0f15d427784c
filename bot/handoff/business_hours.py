"""The tenant's business hours, and what a customer handed over outside them is told.

Tenant setting ``business_hours``: ``{"mon": "09:00-17:00", "tue": "09:00-17:00", ..., "sun": null}`` in
the tenant's time zone (``tenants.timezone``); a day that is missing or null is closed. No setting means
always open. ``out_of_hours_message`` (optional) words the note, with ``{when}`` for the next opening.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_NOTE = "We're closed right now; a member of the team will answer from {when}."
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class BusinessHoursError(ValueError):
    """The business hours setting cannot be read (the message says which day and why)."""


@dataclass(frozen=True)
class Span:
    opens: time
    closes: time


def parse_hours(raw: Mapping[str, Any]) -> dict[str, Span]:
    """``{"mon": "09:00-17:00", ...}`` as spans by day; raises BusinessHoursError naming a bad day."""
    spans: dict[str, Span] = {}
    for day, value in raw.items():
        if day not in DAYS:
            raise BusinessHoursError(f"unknown day {day!r} (use {', '.join(DAYS)})")
        if value is None or value == "":
            continue
        match = _SPAN.match(str(value))
        if match is None:
            raise BusinessHoursError(f"{day}: {value!r} is not like 09:00-17:00")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if not (h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60):
            raise BusinessHoursError(f"{day}: {value!r} is not a time of day")
        opens = time(h1, m1)
        closes = time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2)
        if closes <= opens:
            raise BusinessHoursError(f"{day}: closes before it opens")
        spans[day] = Span(opens, closes)
    return spans


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def next_opening(spans: Mapping[str, Span], moment: datetime) -> datetime | None:
    """None while open; otherwise the next opening (in the moment's zone), or None if never open."""
    if not spans:
        return None
    today = DAYS[moment.weekday()]
    span = spans.get(today)
    if span is not None and span.opens <= moment.time() < span.closes:
        return None
    for ahead in range(8):
        day = moment + timedelta(days=ahead)
        span = spans.get(DAYS[day.weekday()])
        if span is None:
            continue
        opening = day.replace(hour=span.opens.hour, minute=span.opens.minute, second=0, microsecond=0)
        if opening > moment:
            return opening
    return None


def out_of_hours_note(settings: Mapping[str, Any] | None, timezone: str | None, now: datetime) -> str | None:
    """What a customer handed over now is told about the wait; None during business hours."""
    raw = (settings or {}).get("business_hours")
    if not isinstance(raw, Mapping) or not raw:
        return None
    try:
        spans = parse_hours(raw)
    except BusinessHoursError:
        return None  # refused when set; an old bad value must not break a turn
    local = now.astimezone(zone(timezone))
    opening = next_opening(spans, local)
    if opening is None:
        return None
    when = opening.strftime("%A %H:%M") if opening.date() != local.date() else opening.strftime("%H:%M today")
    template = (settings or {}).get("out_of_hours_message") or DEFAULT_NOTE
    return str(template).replace("{when}", f"{when} ({zone(timezone).key})")
