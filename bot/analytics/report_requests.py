"""The admin API's analytics: the tenant's report for a period asked as ``?since=&until=``.

The report is ``build_report``'s, in the JSON of ``report_as_json`` (the same as `chatbot report
--format json`); ``AnalyticsReport`` describes that JSON for the OpenAPI document.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field, RootModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics.figures import Period, TenantReport, report_as_json
from bot.analytics.report_builder import build_report
from bot.tenancy.config_errors import Invalid, NotFound
from bot.tenancy.schema_base import RequestModel
from storage.tenants import get_tenant

DEFAULT_DAYS = 30
# Far enough from datetime's limits that moving a time into UTC cannot overflow.
FIRST_YEAR, LAST_YEAR = 1970, 9000


def _plausible(moment: datetime) -> datetime:
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"must be between the years {FIRST_YEAR} and {LAST_YEAR}")
    return moment


Moment = Annotated[datetime, AfterValidator(_plausible)]


class ReportQuery(RequestModel):
    since: Moment | None = Field(
        None,
        description=(
            f"start of the period (included): a date or a date-time, in the tenant's timezone unless it "
            f"carries an offset; default {DEFAULT_DAYS} days ago"
        ),
    )
    until: Moment | None = Field(None, description="end of the period (excluded); default: open (now)")


class AnalyticsReport(RootModel[TenantReport]):
    """The tenant's figures for the period; the README defines each (bot/analytics/figures.py).

    Amounts are exact decimal strings, kept per currency; times are ISO 8601 in UTC.
    """


async def report_json(
    session: AsyncSession, tenant_id: int, query: ReportQuery, *, now: datetime
) -> dict[str, Any]:
    tenant = await get_tenant(session, tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id}")
    since = query.since if query.since is not None else now - timedelta(days=DEFAULT_DAYS)
    period = Period.in_zone(since, query.until, tenant.timezone)
    if period.since is not None and period.until is not None and period.since >= period.until:
        raise Invalid("until must be after since", field="until")
    report: TenantReport = await build_report(session, tenant_id, period)
    return report_as_json(report)
