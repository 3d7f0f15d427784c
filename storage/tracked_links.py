"""Tracked link queries: find a link by its token, count a click and tell the first one exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Tenant, TrackedLink


@dataclass(frozen=True)
class LinkTarget:
    """What a click on a tracked link needs: where it goes and what it is attributed to."""

    link_id: int
    tenant_id: int
    target_url: str
    conversation_id: int | None
    message_id: int | None
    bot_id: int | None
    customer_id: int | None
    tenant_settings: dict[str, Any] | None


async def find_link_by_token(session: AsyncSession, token: str) -> LinkTarget | None:
    """The link behind ``/r/{token}``, with the customer of its conversation when there is one, and its
    tenant's settings.

    The one tracked-link lookup not scoped by tenant, like the webhook key: the unguessable token is
    what identifies the tenant. Everything done with the result afterwards is scoped by its tenant_id.
    """
    row = (
        await session.execute(
            select(
                TrackedLink.id,
                TrackedLink.tenant_id,
                TrackedLink.target_url,
                TrackedLink.conversation_id,
                TrackedLink.message_id,
                TrackedLink.bot_id,
                Conversation.customer_id,
                Tenant.settings,
            )
            .join(Tenant, Tenant.id == TrackedLink.tenant_id)
            .outerjoin(
                Conversation,
                and_(
                    Conversation.id == TrackedLink.conversation_id,
                    Conversation.tenant_id == TrackedLink.tenant_id,
                ),
            )
            .where(TrackedLink.token == token)
        )
    ).one_or_none()
    return None if row is None else LinkTarget(*row)


async def count_click(session: AsyncSession, *, tenant_id: int, link_id: int, now: datetime) -> bool:
    """Count one click; True only for the click that set ``first_clicked_at``.

    The guarded UPDATE is what makes "first" hold under concurrent clicks: of two transactions racing,
    the second re-checks ``first_clicked_at IS NULL`` after the first commits and changes no row.
    """
    first = await session.execute(
        update(TrackedLink)
        .where(
            TrackedLink.tenant_id == tenant_id,
            TrackedLink.id == link_id,
            TrackedLink.first_clicked_at.is_(None),
        )
        .values(first_clicked_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(TrackedLink)
        .where(TrackedLink.tenant_id == tenant_id, TrackedLink.id == link_id)
        .values(clicks=TrackedLink.clicks + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(first, CursorResult)
    return first.rowcount == 1
