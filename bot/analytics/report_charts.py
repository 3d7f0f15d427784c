"""The report's headline charts in one PNG: revenue by source, the lead funnel, conversion rate and ROI
per bot, and the CSAT distribution with the handoff and containment rates.

Drawn with matplotlib's Agg canvas on a figure of its own (no pyplot, no global state, no display).
Amounts in different currencies are never added: the money panels show one currency, the one with the
most purchases in the period (the first by code on a tie), and say which.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.analytics.figures import TenantReport
from bot.analytics.report_tables import describe_period, percent

BAR = "#4C78A8"
SECOND = "#F58518"
MUTED = "#9D9D9D"
DPI = 100


def chart_currency(report: TenantReport) -> str | None:
    """The currency with the most purchases (by count of sales, never by adding amounts)."""
    counts = report.purchases_by_currency
    if not counts:
        return None
    return min(counts, key=lambda currency: (-counts[currency], currency))


def draw_report_chart(report: TenantReport, path: Path) -> None:
    """Write the four panels to ``path`` as a PNG (1400 x 1000 pixels)."""
    figure = Figure(figsize=(14, 10), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(f"{report.tenant_name}: {describe_period(report.period)}", fontsize=15)
    (sources, funnel), (bots, service) = figure.subplots(2, 2)
    currency = chart_currency(report)
    _revenue_by_source(sources, report, currency)
    _funnel(funnel, report)
    _bots(bots, report, currency)
    _csat(service, report)
    figure.savefig(path, format="png")


def _empty(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", color=MUTED, transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def _revenue_by_source(axes: Axes, report: TenantReport, currency: str | None) -> None:
    axes.set_title(f"Revenue by monetization source ({currency or 'no sales'})")
    lines = [line for line in report.revenue_by_source if currency in line.revenue]
    if currency is None or not lines:
        _empty(axes, "no purchases in this period")
        return
    lines.sort(key=lambda line: line.revenue[currency])
    values = [float(line.revenue[currency]) for line in lines]
    bars = axes.barh([line.label for line in lines], values, color=BAR)
    axes.bar_label(bars, labels=[f"{v:,.2f}" for v in values], padding=3)
    axes.set_xlabel(currency)
    axes.set_xlim(0, max(values) * 1.25 or 1)


def _funnel(axes: Axes, report: TenantReport) -> None:
    axes.set_title("Lead funnel: customers first seen in the period, by stage now")
    stages = list(reversed(report.funnel))
    counts = [stage.customers for stage in stages]
    if not any(counts):
        _empty(axes, "no new customers in this period")
        return
    bars = axes.barh([stage.stage for stage in stages], counts, color=BAR)
    axes.bar_label(bars, padding=3)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("customers")
    axes.set_xlim(0, max(counts) * 1.2)


def _bots(axes: Axes, report: TenantReport, currency: str | None) -> None:
    axes.set_title("Conversion rate and ROI per bot")
    if not any(bot.handled_conversations or bot.purchases for bot in report.bots):
        _empty(axes, "no conversations handled in this period")
        return
    names = [bot.name for bot in report.bots]
    positions = list(range(len(names)))
    width = 0.38
    rates = [(bot.conversion_rate or 0.0) * 100 for bot in report.bots]
    rate_bars = axes.bar([p - width / 2 for p in positions], rates, width, color=BAR, label="conversion rate")
    axes.bar_label(rate_bars, labels=[percent(bot.conversion_rate) for bot in report.bots], padding=2)
    axes.set_ylabel("conversion rate (%): purchases / handled conversations")
    axes.set_xticks(positions, names)
    axes.set_ylim(0, max([*rates, 1.0]) * 1.25)
    roi_axes = axes.twinx()
    rois = [float((bot.roi or {}).get(currency or "", 0)) for bot in report.bots]
    roi_bars = roi_axes.bar(
        [p + width / 2 for p in positions], rois, width, color=SECOND, label=f"ROI ({currency or '-'})"
    )
    roi_axes.bar_label(roi_bars, labels=[f"{r:,.0f}" if r else "-" for r in rois], padding=2)
    roi_axes.set_ylabel(f"ROI: {currency or 'revenue'} per USD 1 of credits")
    roi_axes.set_ylim(0, max([*rois, 1.0]) * 1.25)
    handles = [rate_bars, roi_bars]
    axes.legend(handles, [str(h.get_label()) for h in handles], loc="upper left")


def _csat(axes: Axes, report: TenantReport) -> None:
    csat, handoffs, containment = report.csat, report.handoffs, report.containment
    mean = "-" if csat.mean_rating is None else f"{csat.mean_rating:.2f}"
    axes.set_title(f"CSAT: {csat.responses} ratings, mean {mean}")
    ratings = list(csat.distribution)
    counts = [csat.distribution[r] for r in ratings]
    bars = axes.bar(ratings, counts, color=BAR)
    axes.bar_label(bars, padding=2)
    axes.set_xticks(ratings, [str(r) for r in ratings])
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("rating (1 poor, 5 excellent)")
    axes.set_ylabel("ratings")
    axes.set_ylim(0, max([*counts, 1]) * 1.35)
    summary = (
        f"handoff rate {percent(handoffs.handoff_rate)} of {handoffs.handled_conversations} handled\n"
        f"containment {percent(containment.containment_rate)} of {containment.ended_conversations} ended"
    )
    axes.text(0.02, 0.97, summary, transform=axes.transAxes, va="top", fontsize=10, color="#333333")
