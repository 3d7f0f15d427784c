"""A click on a tracked link (`/r/{token}`): where it leads, the click counted, the first one a visit.

Every click is counted on the link; the first one also sets its ``first_clicked_at`` and writes one
"visited" conversion attributed to the conversation, reply and customer the link was made for, and
raises that customer's lead (``bot.leads``). Concurrent first clicks still write one conversion and
raise the lead once (see ``storage.tracked_links.count_click``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.leads.lead_updates import record_link_click
from storage import tracked_links

# Tokens are 16 characters; the column holds 64. Anything longer cannot be a link, so it is not looked up.
MAX_TOKEN_CHARS = 64

# Messaging apps fetch a link to draw its preview when the message is sent or shown; that fetch is not
# the customer visiting, so it follows the link without counting. Matched case-insensitively.
LINK_PREVIEW_AGENTS = (
    "facebookexternalhit",
    "facebot",
    "whatsapp",
    "twitterbot",
    "slackbot",
    "telegrambot",
    "discordbot",
)


@dataclass(frozen=True)
class Click:
    target_url: str
    recorded_visit: bool  # this click was the link's first: it wrote the "visited" conversion


def is_link_preview(user_agent: str | None) -> bool:
    agent = (user_agent or "").lower()
    return any(name in agent for name in LINK_PREVIEW_AGENTS)


async def follow_link(
    session: AsyncSession, token: str, *, now: datetime, counted: bool = True
) -> Click | None:
    """The link behind ``token`` with its click recorded (unless ``counted`` is False); None if unknown."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    link = await tracked_links.find_link_by_token(session, token)
    if link is None:
        return None
    if not counted:
        return Click(link.target_url, recorded_visit=False)
    first = await tracked_links.count_click(session, tenant_id=link.tenant_id, link_id=link.link_id, now=now)
    if first:
        await tracked_links.add_visit(session, link, now=now)
        if link.customer_id is not None:
            await record_link_click(session, link.tenant_id, link.customer_id, now=now)
    return Click(link.target_url, recorded_visit=first)
