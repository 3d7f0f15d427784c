"""First and last touch: the referrals (ads, posts, m.me links) a conversation came from, kept on it.

A customer message that arrives with a referral is a touch: a Click-to-Messenger or Click-to-WhatsApp ad
(its ad id and campaign; on WhatsApp also the ``ctwa_clid`` click id), a post, or a Messenger ``ref``
(an m.me link's or an ad's). The turn that stores such a message makes it the conversation's last touch,
and its first when it has none yet; a conversion is given both as its conversation has them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from storage.models import Message
from storage.models.conversion_tables import Touches

FIRST, LAST = "first", "last"


@dataclass(frozen=True)
class Touch:
    source: str
    ad_id: str | None
    ctwa_clid: str | None
    ref: str | None
    campaign_id: int | None
    at: datetime


_FIELDS = tuple(f.name for f in fields(Touch))


def touch_of(message: Message) -> Touch:
    """The touch a customer message that came with a referral makes."""
    return Touch(
        source=message.source,
        ad_id=message.ad_id,
        ctwa_clid=message.ctwa_clid,
        ref=message.ref,
        campaign_id=message.campaign_id,
        at=message.created_at,
    )


def record_touch(row: Touches, touch: Touch) -> None:
    """``touch`` becomes the row's last touch, and its first when it has none."""
    first = touch if row.first_touch_at is None else None
    for column, value in touch_columns(first, touch).items():
        setattr(row, column, value)


def touches_of(row: Touches) -> tuple[Touch | None, Touch | None]:
    """The row's first and last touch (None where it has none)."""
    return _get(row, FIRST), _get(row, LAST)


def touch_columns(first: Touch | None, last: Touch | None) -> dict[str, Any]:
    """The ``first_touch_*`` and ``last_touch_*`` column values of these touches (a None sets none)."""
    columns: dict[str, Any] = {}
    for which, touch in ((FIRST, first), (LAST, last)):
        if touch is not None:
            columns.update({f"{which}_touch_{name}": getattr(touch, name) for name in _FIELDS})
    return columns


def _get(row: Touches, which: str) -> Touch | None:
    values = {name: getattr(row, f"{which}_touch_{name}") for name in _FIELDS}
    if values["at"] is None or values["source"] is None:
        return None
    return Touch(**values)
