"""Tell the tenant once when 80 % and once when 100 % of a period's credits are used.

The period's credits are what it had to spend: what it started with (the refill and what rolled over)
plus what was granted or added as overage since, which is always ``used + balance``. When a turn's
charge takes the period's use across a threshold, a ``credit_notices`` row is written (unique per tenant,
period and threshold, so concurrent turns and retries write it once) and, when the tenant has a
notification URL, a signed ``credits.threshold_reached`` notification is queued in the same transaction
(bot/pipeline/notifier.py sends it). A period's notices are listed by ``chatbot credits show``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.notification_settings import notification_url
from storage import billing_records, tenants, webhook_deliveries
from storage.credits import Balances
from storage.models.billing_tables import NOTICE_THRESHOLDS

EVENT = "credits.threshold_reached"


def crossed(*, used_before: int, used_after: int, credits: int) -> list[int]:
    """The thresholds (percent) that a period's use passed going from ``used_before`` to ``used_after``."""
    if credits <= 0:
        return []
    return [t for t in NOTICE_THRESHOLDS if used_before * 100 < t * credits <= used_after * 100]


async def notice_thresholds(
    session: AsyncSession, tenant_id: int, *, after: Balances, charged: int, now: datetime
) -> int:
    """Write the notices a charge of ``charged`` credits earned (``after``: the account it left); returns
    how many notifications were queued."""
    period_credits = after.period_used + after.balance
    queued = 0
    for threshold in crossed(
        used_before=after.period_used - charged, used_after=after.period_used, credits=period_credits
    ):
        notice_id = await billing_records.add_notice(
            session,
            tenant_id=tenant_id,
            period_start=after.period_start,
            threshold=threshold,
            used=after.period_used,
            credits=period_credits,
            now=now,
        )
        if notice_id is None:
            continue  # told already this period
        tenant = await tenants.get_tenant(session, tenant_id)
        if tenant is None or notification_url(tenant.settings) is None:
            continue
        body = await webhook_deliveries.enqueue(
            session,
            tenant_id=tenant_id,
            tenant_slug=tenant.slug,
            event=EVENT,
            data={
                "threshold_percent": threshold,
                "period_start": after.period_start.isoformat(),
                "credits_used": after.period_used,
                "period_credits": period_credits,
                "balance": after.balance,
            },
            now=now,
        )
        await billing_records.link_notice_delivery(session, tenant_id, notice_id, int(body["id"]))
        queued += 1
    return queued
