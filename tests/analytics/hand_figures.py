"""Every figure of a tenant's report computed from the fixture file in plain Python, without SQL.

Written from the definitions in bot/analytics/figures.py, independently of the queries: it walks the
fixture's lists and counts. The result has the shape of ``report_as_json`` (amounts as strings).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.analytics.fixture_loading import at

STAGES = ["intake", "nurture", "convert", "qualified", "unqualified", "lost"]


def within(moment: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    if moment is None:
        return False
    return (since is None or moment >= since) and (until is None or moment < until)


def money(pairs: list[tuple[str, Decimal]]) -> dict[str, str]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, value in pairs:
        totals[currency] += value
    return {currency: str(totals[currency].quantize(Decimal("0.01"))) for currency in sorted(totals)}


def hand_figures(
    data: dict[str, Any],
    tenant: str,
    since: datetime | None,
    until: datetime | None,
    usd_per_credit: Decimal = Decimal("0.01"),
) -> dict[str, Any]:
    mine = [c for c in data["conversations"] if c["tenant"] == tenant]
    # message key -> (conversation, position in it)
    where: dict[str, tuple[dict[str, Any], int]] = {
        m["key"]: (c, i) for c in mine for i, m in enumerate(c["messages"])
    }

    def handled(c: dict[str, Any]) -> bool:
        started = within(at(c["created_at"]), since, until)
        return started and any(m["role"] == "assistant" for m in c["messages"])

    def human(c: dict[str, Any]) -> bool:
        return bool(c.get("handoffs")) or any(m["role"] == "agent" for m in c["messages"])

    # Each purchase in the period with what it is attributed to.
    purchases = []
    visits: Counter[str] = Counter()
    for v in data["conversions"]:
        if v["tenant"] != tenant or not within(at(v["occurred_at"]), since, until):
            continue
        found = where.get(v["message"]) if v["message"] else None
        conversation, position = found if found else (None, -1)
        bot = conversation["bot"] if conversation else None
        if v["outcome"] == "visited" and bot:
            visits[bot] += 1
        if v["outcome"] != "purchased":
            continue
        earlier = conversation["messages"][: position + 1] if conversation else []
        users = [m for m in earlier if m["role"] == "user"]
        touches = [m for m in users if m.get("campaign")]
        purchases.append(
            {
                "bot": bot,
                "group": conversation.get("group") if conversation else None,
                "intent": users[-1].get("intent") if users else None,
                "campaign": touches[-1]["campaign"] if touches else None,
                "source": v["source"],
                "currency": v["currency"],
                "value": Decimal(v["value"]),
            }
        )

    usage = [u for u in data["usage"] if u["tenant"] == tenant and within(at(u["at"]), since, until)]
    conversation_bot = {c["key"]: c["bot"] for c in mine}

    bots = []
    for b in [b for b in data["bots"] if b["tenant"] == tenant]:
        own = [c for c in mine if c["bot"] == b["key"] and handled(c)]
        sold = [p for p in purchases if p["bot"] == b["key"]]
        credits = sum(u["credits"] for u in usage if conversation_bot.get(u["conversation"]) == b["key"])
        cost = Decimal(credits) * usd_per_credit
        revenue = money([(p["currency"], p["value"]) for p in sold])
        bots.append(
            {
                "name": b["name"],
                "handled_conversations": len(own),
                "purchases": len(sold),
                "visits": visits[b["key"]],
                "conversion_rate": len(sold) / len(own) if own else None,
                "revenue": revenue,
                "credits_used": credits,
                "credit_cost_usd": str(cost),
                "roi": (
                    {
                        cur: str((Decimal(amount) / cost).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
                        for cur, amount in revenue.items()
                    }
                    if cost > 0
                    else None
                ),
            }
        )

    def lines(label_of: Any) -> list[dict[str, Any]]:
        by: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in purchases:
            by[label_of(p)].append(p)
        found = [
            {
                "label": label,
                "purchases": len(ps),
                "revenue": money([(p["currency"], p["value"]) for p in ps]),
            }
            for label, ps in by.items()
        ]
        return sorted(found, key=lambda line: (-line["purchases"], line["label"]))

    source_name = {s["key"]: s["name"] for s in data["monetization_sources"]}
    campaign_name = {c["key"]: c["name"] or f"ad {c['ad_id']}" for c in data["campaigns"]}

    customers = [
        c for c in data["customers"] if c["tenant"] == tenant and within(at(c["created_at"]), since, until)
    ]
    stage_counts = Counter(c["stage"] for c in customers)

    all_handled = [c for c in mine if handled(c)]
    handoffs = [h for c in mine for h in c.get("handoffs", []) if within(at(h["requested_at"]), since, until)]
    waits = sorted(
        (at(h["claimed_at"]) - at(h["requested_at"])).total_seconds() for h in handoffs if h["claimed_at"]
    )
    ended = [c for c in all_handled if c["status"] in ("resolved", "closed")]
    contained = [c for c in ended if not human(c)]
    ratings = [
        c["feedback"]["rating"]
        for c in mine
        if c.get("feedback") and within(at(c["feedback"]["at"]), since, until)
    ]

    groups = []
    for g in [g for g in data["groups"] if g["tenant"] == tenant]:
        members = [m for m in data["group_members"] if m["group"] == g["key"]]
        talk = [
            m
            for c in mine
            if c.get("group") == g["key"]
            for m in c["messages"]
            if m["role"] == "user" and within(at(m["at"]), since, until)
        ]
        sold = [p for p in purchases if p["group"] == g["key"]]
        groups.append(
            {
                "name": g["name"] or f"group g-{g['key']}",
                "members": len(members),
                "paid_subscribers": sum(1 for m in members if m["paid"]),
                "active_members": sum(1 for m in members if within(at(m["last_message_at"]), since, until)),
                "interactions": len(talk),
                "purchases": len(sold),
                "revenue": money([(p["currency"], p["value"]) for p in sold]),
                "mean_engagement": statistics.mean(m["engagement"] for m in members) if members else None,
            }
        )

    credits = sum(u["credits"] for u in usage)
    recorded = sum((Decimal(u["cost"]) for u in usage), Decimal("0"))
    return {
        "bots": bots,
        "purchases": len(purchases),
        "purchases_by_currency": dict(sorted(Counter(p["currency"] for p in purchases).items())),
        "revenue": money([(p["currency"], p["value"]) for p in purchases]),
        "unattributed_revenue": money([(p["currency"], p["value"]) for p in purchases if p["bot"] is None]),
        "revenue_by_source": lines(lambda p: source_name[p["source"]] if p["source"] else "(no source)"),
        "revenue_by_campaign": lines(
            lambda p: campaign_name[p["campaign"]] if p["campaign"] else "(no campaign)"
        ),
        "revenue_by_intent": lines(lambda p: p["intent"] or "(no intent)"),
        "funnel": [{"stage": s, "customers": stage_counts[s]} for s in STAGES],
        "groups": groups,
        "handoffs": {
            "handled_conversations": len(all_handled),
            "handed_off_conversations": sum(1 for c in all_handled if c.get("handoffs")),
            "handoff_rate": (
                sum(1 for c in all_handled if c.get("handoffs")) / len(all_handled) if all_handled else None
            ),
            "requested": len(handoffs),
            "claimed": len(waits),
            "claim_seconds_median": statistics.median(waits) if waits else None,
            "claim_seconds_p90": waits[math.ceil(0.9 * len(waits)) - 1] if waits else None,
            "by_trigger": dict(sorted(Counter(h["trigger"] for h in handoffs).items())),
        },
        "containment": {
            "ended_conversations": len(ended),
            "contained_conversations": len(contained),
            "containment_rate": len(contained) / len(ended) if ended else None,
        },
        "csat": {
            "responses": len(ratings),
            "mean_rating": statistics.mean(ratings) if ratings else None,
            "distribution": {str(r): ratings.count(r) for r in range(1, 6)},
        },
        "usage": {
            "llm_calls": len(usage),
            "credits_used": credits,
            "prompt_tokens": sum(u["prompt_tokens"] for u in usage),
            "completion_tokens": sum(u["completion_tokens"] for u in usage),
            "usd_per_credit": str(usd_per_credit),
            "credit_cost_usd": str(Decimal(credits) * usd_per_credit),
            "recorded_cost_usd": str(recorded.quantize(Decimal("0.000001"))),
        },
    }
