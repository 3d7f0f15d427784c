"""Load tests/data/analytics_tenant.json into a migrated database, row by row, as the runtime stores it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import create_engine, session_factory, transaction
from storage.models import (
    Bot,
    Campaign,
    Channel,
    Conversation,
    Conversion,
    Customer,
    Feedback,
    Group,
    GroupMember,
    Handoff,
    Message,
    MonetizationSource,
    Tenant,
    UsageLog,
)

FIXTURE = Path(__file__).parent.parent / "data" / "analytics_tenant.json"


def fixture_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class LoadedIds:
    """The database id of every keyed fixture row, by table."""

    tenants: dict[str, int] = field(default_factory=dict)
    bots: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    campaigns: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    conversations: dict[str, int] = field(default_factory=dict)
    messages: dict[str, int] = field(default_factory=dict)


async def load_fixture(session: AsyncSession, data: dict[str, Any], *, slug_prefix: str = "") -> LoadedIds:
    """Insert every row of the fixture; tenants get the slug ``slug_prefix + key``."""
    ids = LoadedIds()
    tenant_of: dict[str, int] = {}

    async def add(row: Any) -> int:
        session.add(row)
        await session.flush()
        return int(row.id)

    for t in data["tenants"]:
        ids.tenants[t["key"]] = await add(
            Tenant(name=t["name"], slug=slug_prefix + t["key"], timezone=t["timezone"], settings={})
        )
    for b in data["bots"]:
        tenant_of[b["key"]] = ids.tenants[b["tenant"]]
        ids.bots[b["key"]] = await add(Bot(tenant_id=ids.tenants[b["tenant"]], name=b["name"]))
    for c in data["channels"]:
        ids.channels[c["key"]] = await add(
            Channel(
                tenant_id=ids.tenants[c["tenant"]],
                bot_id=ids.bots[c["bot"]],
                platform=c["platform"],
                name=c["key"],
                external_id=f"{slug_prefix}{c['key']}",
                webhook_key=f"{slug_prefix}{c['key']}-key",
            )
        )
    for s in data["monetization_sources"]:
        ids.sources[s["key"]] = await add(
            MonetizationSource(tenant_id=ids.tenants[s["tenant"]], name=s["name"], kind=s["kind"])
        )
    for c in data["campaigns"]:
        ids.campaigns[c["key"]] = await add(
            Campaign(tenant_id=ids.tenants[c["tenant"]], ad_id=c["ad_id"], name=c["name"])
        )
    for c in data["customers"]:
        ids.customers[c["key"]] = await add(
            Customer(
                tenant_id=ids.tenants[c["tenant"]],
                channel_id=ids.channels[c["channel"]],
                platform_user_id=c["key"],
                name=c["key"].title(),
                lead_stage=c["stage"],
                created_at=at(c["created_at"]),
                updated_at=at(c["created_at"]),
            )
        )
    for g in data["groups"]:
        ids.groups[g["key"]] = await add(
            Group(
                tenant_id=ids.tenants[g["tenant"]],
                channel_id=ids.channels[g["channel"]],
                platform_group_id=f"g-{g['key']}",
                name=g["name"],
            )
        )
    for m in data["group_members"]:
        group = next(g for g in data["groups"] if g["key"] == m["group"])
        await add(
            GroupMember(
                tenant_id=ids.tenants[group["tenant"]],
                group_id=ids.groups[m["group"]],
                customer_id=ids.customers[m["customer"]] if m["customer"] else None,
                platform_user_id=m["username"],
                username=m["username"],
                paid_subscriber=m["paid"],
                engagement_score=m["engagement"],
                last_message_at=at(m["last_message_at"]),
            )
        )
    for c in data["conversations"]:
        await _load_conversation(session, c, ids, add)
    for v in data["conversions"]:
        await add(
            Conversion(
                tenant_id=ids.tenants[v["tenant"]],
                message_id=ids.messages[v["message"]] if v["message"] else None,
                outcome=v["outcome"],
                value=Decimal(v["value"]),
                currency=v["currency"],
                monetization_source_id=ids.sources[v["source"]] if v["source"] else None,
                external_order_id=v["key"],
                occurred_at=at(v["occurred_at"]),
            )
        )
    for u in data["usage"]:
        await add(
            UsageLog(
                tenant_id=ids.tenants[u["tenant"]],
                conversation_id=ids.conversations[u["conversation"]] if u["conversation"] else None,
                message_id=ids.messages[u["message"]] if u["message"] else None,
                usage_type="llm",
                credits=u["credits"],
                model="gemini-2.5-flash",
                prompt_tokens=u["prompt_tokens"],
                completion_tokens=u["completion_tokens"],
                cost=Decimal(u["cost"]),
                created_at=at(u["at"]),
                updated_at=at(u["at"]),
            )
        )
    return ids


async def _load_conversation(session: AsyncSession, c: dict[str, Any], ids: LoadedIds, add: Any) -> None:
    tenant_id = ids.tenants[c["tenant"]]
    started = at(c["created_at"])
    conversation_id = await add(
        Conversation(
            tenant_id=tenant_id,
            channel_id=ids.channels[c["channel"]],
            bot_id=ids.bots[c["bot"]],
            customer_id=ids.customers[c["customer"]] if c.get("customer") else None,
            group_id=ids.groups[c["group"]] if c.get("group") else None,
            conversation_key=c["key"],
            status=c["status"],
            message_count=len(c["messages"]),
            created_at=started,
            updated_at=started,
        )
    )
    ids.conversations[c["key"]] = conversation_id
    for m in c["messages"]:
        inbound = m["role"] == "user"
        author = m.get("customer", c.get("customer")) if inbound else None
        ids.messages[m["key"]] = await add(
            Message(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                channel_id=ids.channels[c["channel"]],
                customer_id=ids.customers[author] if author else None,
                role=m["role"],
                direction="in" if inbound else "out",
                status="received" if inbound else "sent",
                text=f"message {m['key']}",
                source="ad" if m.get("campaign") else "direct",
                campaign_id=ids.campaigns[m["campaign"]] if m.get("campaign") else None,
                route=m.get("route"),
                intent=m.get("intent"),
                intent_score=0.8 if m.get("intent") else None,
                created_at=at(m["at"]),
                updated_at=at(m["at"]),
            )
        )
    for h in c.get("handoffs", []):
        await add(
            Handoff(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                reason=h["trigger"],
                trigger=h["trigger"],
                requested_at=at(h["requested_at"]),
                accepted_at=at(h["claimed_at"]) if h["claimed_at"] else None,
                resolved_at=at(h["resolved_at"]) if h["resolved_at"] else None,
            )
        )
    if c.get("feedback"):
        rated = at(c["feedback"]["at"])
        await add(
            Feedback(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                rating=c["feedback"]["rating"],
                resolved=True,
                created_at=rated,
                updated_at=rated,
            )
        )


async def load_into(url: str) -> None:
    """Load the fixture into the migrated database at ``url``, in one transaction."""
    engine = create_engine(url)
    try:
        async with transaction(session_factory(engine)) as session:
            await load_fixture(session, fixture_data())
    finally:
        await engine.dispose()


if __name__ == "__main__":
    # Load the fixture into a migrated database (the README's chart is drawn from it):
    #   python -m tests.analytics.fixture_loading sqlite:///var/chatbot.db
    import asyncio
    import sys

    asyncio.run(load_into(sys.argv[1]))
    print(f"tenants 'harbour' and 'other' loaded from {FIXTURE.name}")
