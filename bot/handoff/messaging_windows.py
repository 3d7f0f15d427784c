"""Messaging-window policy: may this reply go out now, and how (plain, tagged, or as a template)?

Messenger: 24 h after the customer's last message; a human agent's reply may go out up to 7 days
with the HUMAN_AGENT tag (never a bot's). WhatsApp: 24 h; outside it only a template configured on
the channel. GroupMe and the console have no window. The check runs before any platform call; a
platform refusal of the same kind (Messenger 10/2018278, WhatsApp 131047) is recorded the same way.

The outbox applies it to every reply; agents' replies are checked with it before they are accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapters.base import Platform, TemplateRef

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
WINDOW_CLOSED = "window_closed"


@dataclass(frozen=True)
class WindowDecision:
    allowed: bool
    tag: str | None = None
    template: TemplateRef | None = None
    reason: str | None = None


OPEN = WindowDecision(allowed=True)


def check_window(
    *,
    platform: str,
    role: str,
    last_inbound_at: datetime | None,
    now: datetime,
    channel_settings: Mapping[str, Any],
) -> WindowDecision:
    """Decide for one outbound message; ``role`` is assistant (the bot) or agent (a human)."""
    if platform not in (Platform.MESSENGER.value, Platform.WHATSAPP.value):
        return OPEN
    if last_inbound_at is None:
        return WindowDecision(False, reason=f"{WINDOW_CLOSED}: the customer has never written")
    quiet_for = now - last_inbound_at
    if quiet_for <= STANDARD_WINDOW:
        return OPEN
    hours = int(quiet_for.total_seconds() // 3600)
    if platform == Platform.MESSENGER.value:
        if role == "agent" and quiet_for <= HUMAN_AGENT_WINDOW:
            return WindowDecision(True, tag="HUMAN_AGENT")
        return WindowDecision(False, reason=f"{WINDOW_CLOSED}: last customer message {hours} h ago")
    template = channel_settings.get("window_template")
    if isinstance(template, str) and template:
        language = channel_settings.get("window_template_language") or "en_US"
        return WindowDecision(True, template=TemplateRef(template, str(language)))
    return WindowDecision(
        False, reason=f"{WINDOW_CLOSED}: last customer message {hours} h ago and no template is configured"
    )


def free_text_until(*, platform: str, role: str, last_inbound_at: datetime | None) -> datetime | None:
    """Until when a free-text reply by ``role`` may go out (None: no window on this platform, or never)."""
    if platform not in (Platform.MESSENGER.value, Platform.WHATSAPP.value) or last_inbound_at is None:
        return None
    if platform == Platform.MESSENGER.value and role == "agent":
        return last_inbound_at + HUMAN_AGENT_WINDOW
    return last_inbound_at + STANDARD_WINDOW
