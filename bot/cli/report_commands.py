"""`chatbot report`: a tenant's conversions, revenue, handoffs, CSAT and credits for a period."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics.figures import Period, TenantReport, report_as_json
from bot.analytics.report_builder import build_report
from bot.analytics.report_tables import render_report
from bot.cli.helpers import fail, in_session, settings_or_exit
from bot.tenancy.tenant_accounts import require_tenant

DEFAULT_DAYS = 30
MOMENT_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


@click.command("report")
@click.option("--tenant", "tenant_slug", default="demo", show_default=True, help="Tenant slug.")
@click.option(
    "--since",
    type=click.DateTime(MOMENT_FORMATS),
    default=None,
    help=f"Start of the period (included), in the tenant's timezone [default: {DEFAULT_DAYS} days ago].",
)
@click.option(
    "--until",
    type=click.DateTime(MOMENT_FORMATS),
    default=None,
    help="End of the period (excluded), in the tenant's timezone [default: now].",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Tables for reading, or the JSON the admin API serves.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the headline charts into this PNG file.",
)
def report(
    tenant_slug: str,
    since: datetime | None,
    until: datetime | None,
    output_format: str,
    chart: Path | None,
) -> None:
    """What a tenant's bots did and earned in a period: conversion rate and ROI per bot, revenue by
    source, campaign and intent, the lead funnel, groups, handoffs, containment, CSAT and credits.
    Dates without a time start at midnight; the README defines every figure."""
    if since is not None and until is not None and since >= until:
        fail("--since must be before --until", 2)
    settings = settings_or_exit()
    start = since if since is not None else datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)

    async def work(session: AsyncSession) -> TenantReport:
        tenant = await require_tenant(session, tenant_slug)
        return await build_report(session, tenant.id, Period.in_zone(start, until, tenant.timezone))

    found = in_session(settings, work, only_reads=True)
    if output_format == "json":
        click.echo(json.dumps(report_as_json(found), indent=2))
    else:
        click.echo(render_report(found), nl=False)
    if chart is not None:
        _draw(found, chart, quiet=output_format == "json")


def _draw(found: TenantReport, path: Path, *, quiet: bool) -> None:
    # matplotlib takes a moment to import: only when a chart is asked for.
    from bot.analytics.report_charts import draw_report_chart

    try:
        draw_report_chart(found, path)
    except OSError as exc:
        fail(f"cannot write the chart to {path}: {exc.strerror or exc}", 1)
    click.echo(f"chart written to {path}", err=quiet)
