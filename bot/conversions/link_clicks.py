"""A click on a tracked link (`/r/{token}`): where it leads, the click counted, the first one a visit.

Every click is counted on the link; the first one also sets its ``first_clicked_at`` and writes one
"visited" conversion attributed to the reply that offered the link (bot.conversions.attribution): its
conversation, customer and bot, the intent and score of the message it answered, and the conversation's
first and last touch (campaign and source). It also raises that customer's lead (``bot.leads``).
Concurrent first clicks still write one conversion and raise the lead once (see
``storage.tracked_links.count_click``).

A tenant that sets a link token parameter (``chatbot tenant set --link-token-param cb_link``) gets the
token added to the target's query (``?cb_link=<token>``), so its shop can report the sale through the
link (``POST /api/v1/conversions`` with ``link_token``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversions import attribution
from bot.leads.lead_updates import record_link_click
from bot.tenancy.tenant_accounts import attribution_window, link_token_param
from storage import tracked_links
from storage.models import Conversion

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
    target_url = with_token(link.target_url, link_token_param(link.tenant_settings), token)
    if not counted:
        return Click(target_url, recorded_visit=False)
    first = await tracked_links.count_click(session, tenant_id=link.tenant_id, link_id=link.link_id, now=now)
    if first:
        window = attribution_window(link.tenant_settings)
        found = await attribution.for_link(session, link, at=now, window=window)
        session.add(
            Conversion(
                tenant_id=link.tenant_id,
                tracked_link_id=link.link_id,
                outcome="visited",
                occurred_at=now,
                **found.columns(),
            )
        )
        if link.customer_id is not None:
            await record_link_click(session, link.tenant_id, link.customer_id, now=now)
    return Click(target_url, recorded_visit=first)


def with_token(target_url: str, param: str | None, token: str) -> str:
    """``target_url`` with ``param=token`` added to its query (as it is when ``param`` is None)."""
    if param is None:
        return target_url
    parts = urlsplit(target_url)
    # Appended: the shop's own query is passed on exactly as it was written.
    query = "&".join(part for part in (parts.query, urlencode({param: token})) if part)
    return urlunsplit(parts._replace(query=query))
