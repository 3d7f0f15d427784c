"""A tenant's report as plain-text tables for a terminal (what `chatbot report` prints by default)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from bot.analytics.figures import Money, Period, RevenueLine, TenantReport

NONE = "-"


def render_report(report: TenantReport) -> str:
    sections = [
        f"{report.tenant_name} ({report.tenant_slug}), {describe_period(report.period)}",
        _bots(report),
        _revenue(report),
        _revenue_lines("Revenue by monetization source", "source", report.revenue_by_source),
        _revenue_lines(
            "Revenue by campaign (last touch before the turn)", "campaign", report.revenue_by_campaign
        ),
        _revenue_lines(
            "Revenue by intent (of the message the turn answered)", "intent", report.revenue_by_intent
        ),
        _funnel(report),
        _groups(report),
        _service(report),
    ]
    return "\n\n".join(sections) + "\n"


def describe_period(period: Period) -> str:
    if period.since is None and period.until is None:
        return "all time"
    if period.until is None:
        return f"since {_moment(period.since)}"
    if period.since is None:
        return f"until {_moment(period.until)}"
    return f"{_moment(period.since)} to {_moment(period.until)}"


def _moment(moment: datetime | None) -> str:
    assert moment is not None
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def money(amounts: Money) -> str:
    """``EUR 20.00, USD 73.00``; a dash for nothing."""
    return ", ".join(f"{currency} {amount:,.2f}" for currency, amount in amounts.items()) or NONE


def percent(rate: float | None) -> str:
    return NONE if rate is None else f"{rate * 100:.1f} %"


def duration(seconds: float | None) -> str:
    """``42s``, ``7m 05s``, ``2h 03m``."""
    if seconds is None:
        return NONE
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    """Columns padded to their widest cell; the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if index == 0 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return (indent + "  ".join(padded)).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])


def _bots(report: TenantReport) -> str:
    rows = [
        [
            b.name,
            str(b.handled_conversations),
            str(b.purchases),
            str(b.visits),
            percent(b.conversion_rate),
            money(b.revenue),
            str(b.credits_used),
            f"USD {b.credit_cost_usd:,.2f}",
            _roi(b.roi),
        ]
        for b in report.bots
    ]
    headers = [
        "bot",
        "handled",
        "purchases",
        "visits",
        "conversion",
        "revenue",
        "credits",
        "credit cost",
        "ROI",
    ]
    note = "  (ROI: revenue per USD 1 of credits, in each currency earned)"
    return "Bots\n" + table(headers, rows) + "\n" + note


def _roi(roi: dict[str, Decimal] | None) -> str:
    if roi is None:
        return NONE
    return ", ".join(f"{currency} {ratio:,.2f}" for currency, ratio in roi.items()) or "0"


def _revenue(report: TenantReport) -> str:
    line = f"Revenue: {report.purchases} purchases, {money(report.revenue)}"
    if report.unattributed_revenue:
        line += f" (not attributed to a bot turn: {money(report.unattributed_revenue)})"
    return line


def _revenue_lines(title: str, label: str, lines: list[RevenueLine]) -> str:
    if not lines:
        return f"{title}\n  no purchases"
    rows = [[line.label, str(line.purchases), money(line.revenue)] for line in lines]
    return f"{title}\n" + table([label, "purchases", "revenue"], rows)


def _funnel(report: TenantReport) -> str:
    total = sum(stage.customers for stage in report.funnel)
    rows = [
        [stage.stage, str(stage.customers), percent(stage.customers / total if total else None)]
        for stage in report.funnel
    ]
    title = "Lead funnel (customers first seen in the period, by their stage now)"
    return f"{title}\n" + table(["stage", "customers", "share"], rows)


def _groups(report: TenantReport) -> str:
    if not report.groups:
        return "Groups\n  none"
    rows = [
        [
            g.name,
            str(g.members),
            str(g.paid_subscribers),
            str(g.active_members),
            str(g.interactions),
            str(g.purchases),
            money(g.revenue),
            NONE if g.mean_engagement is None else f"{g.mean_engagement:.2f}",
        ]
        for g in report.groups
    ]
    headers = ["group", "members", "paid", "active", "interactions", "purchases", "revenue", "engagement"]
    return "Groups\n" + table(headers, rows)


def _service(report: TenantReport) -> str:
    h, c, s, u = report.handoffs, report.containment, report.csat, report.usage
    triggers = ", ".join(f"{name} {count}" for name, count in h.by_trigger.items()) or NONE
    ratings = "  ".join(f"{rating}: {count}" for rating, count in s.distribution.items())
    mean = NONE if s.mean_rating is None else f"{s.mean_rating:.2f}"
    rows = [
        [
            "handoff rate",
            f"{percent(h.handoff_rate)} ({h.handed_off_conversations} of {h.handled_conversations} handled "
            "conversations)",
        ],
        [
            "time to claim",
            f"median {duration(h.claim_seconds_median)}, p90 {duration(h.claim_seconds_p90)} "
            f"({h.claimed} of {h.requested} handoffs claimed)",
        ],
        ["handoffs by trigger", triggers],
        [
            "containment",
            f"{percent(c.containment_rate)} ({c.contained_conversations} of {c.ended_conversations} ended "
            "without a human)",
        ],
        ["CSAT", f"{mean} mean of {s.responses} ratings; {ratings}"],
        [
            "credits",
            f"{u.credits_used} in {u.llm_calls} LLM calls = USD {u.credit_cost_usd:,.2f} "
            f"at USD {u.usd_per_credit} a credit",
        ],
        ["tokens", f"{u.prompt_tokens:,} prompt, {u.completion_tokens:,} completion"],
        ["recorded LLM cost", f"USD {u.recorded_cost_usd}"],
    ]
    width = max(len(name) for name, _value in rows) + 2
    return "Service\n" + "\n".join(f"  {name.ljust(width)}{value}" for name, value in rows)
