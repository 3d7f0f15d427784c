"""Ad campaigns seen in referrals (Click-to-Messenger / Click-to-WhatsApp ads)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign
from storage.sql import insert_or_get


async def upsert_campaign(
    session: AsyncSession,
    *,
    tenant_id: int,
    ad_id: str,
    name: str | None,
    source_type: str | None,
    now: datetime,
) -> int:
    """The campaign row for an ad id (created on first referral, named from the ad's headline)."""
    row = {
        "tenant_id": tenant_id,
        "ad_id": ad_id,
        "name": name,
        "source_type": source_type,
        "created_at": now,
        "updated_at": now,
    }
    campaign = await insert_or_get(session, Campaign, row, ("tenant_id", "ad_id"))
    if name and not campaign.name:
        campaign.name = name
    return campaign.id
