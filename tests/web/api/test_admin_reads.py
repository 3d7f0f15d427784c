"""An admin reads back the conversations, transcripts, customers, handoffs and ratings of its tenant.

The data is written as finished turns leave it (tests/support/shop.py ``Chats``), and every answer is
checked against the published OpenAPI document.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.security import CredentialBox
from bot.tenancy.channel_setup import ChannelRequest, add_channel
from bot.tenancy.demo.seed import DemoReport
from storage import tenants
from storage.db import transaction
from storage.models import Conversation, Feedback, Handoff, utcnow
from tests.support.admin_api import AdminApi
from tests.support.openapi_check import Documented
from tests.support.shop import Chats


async def test_an_admin_lists_conversations_newest_first_and_filters_them(
    admin: AdminApi, demo: DemoReport, sessions: async_sessionmaker[AsyncSession]
) -> None:
    docs = await Documented.of(admin)
    chats = await Chats.of(sessions, demo.tenant_id)
    ana, ana_chat = await chats.conversation("ana")
    _, ben_chat = await chats.conversation("ben")
    await _set_status(sessions, ben_chat, "escalated")

    listed = docs.check("/conversations", await admin.get("/conversations"))
    assert [c["id"] for c in listed["items"]] == [ben_chat, ana_chat]
    assert listed["next"] is None

    escalated = docs.check("/conversations", await admin.get("/conversations?status=escalated"))
    assert [(c["id"], c["status"]) for c in escalated["items"]] == [(ben_chat, "escalated")]
    anas = await admin.get(f"/conversations?customer_id={ana}")
    assert [c["id"] for c in anas.body["items"]] == [ana_chat]

    one = docs.check("/conversations/{conversation_id}", await admin.get(f"/conversations/{ana_chat}"))
    assert (one["customer_id"], one["status"], one["first_touch"]) == (ana, "new", None)


async def test_a_transcript_reads_newest_first_across_pages(
    admin: AdminApi, demo: DemoReport, sessions: async_sessionmaker[AsyncSession]
) -> None:
    docs = await Documented.of(admin)
    chats = await Chats.of(sessions, demo.tenant_id)
    _, chat = await chats.conversation("ana")
    await chats.bot_turn(chat, ago=timedelta(minutes=5), intent="pricing", intent_score=0.9)
    await chats.bot_turn(chat, ago=timedelta(minutes=1))
    path = f"/conversations/{chat}/messages"

    first = await admin.get(path + "?limit=3")
    docs.check("/conversations/{conversation_id}/messages", first)
    assert [(m["role"], m["direction"]) for m in first.body["items"]] == [
        ("assistant", "out"),
        ("user", "in"),
        ("assistant", "out"),
    ]
    assert first.body["items"][0]["text"] == "these beans"
    assert first.body["next"] is not None

    rest = await admin.get(first.body["next"])
    docs.check("/conversations/{conversation_id}/messages", rest)
    [oldest] = rest.body["items"]
    assert (oldest["role"], oldest["text"], oldest["intent"], oldest["intent_score"]) == (
        "user",
        "which beans?",
        "pricing",
        0.9,
    )
    assert rest.body["next"] is None


async def test_paging_a_list_visits_every_conversation_once(
    admin: AdminApi, demo: DemoReport, sessions: async_sessionmaker[AsyncSession]
) -> None:
    chats = await Chats.of(sessions, demo.tenant_id)
    made = [(await chats.conversation(f"customer-{n}"))[1] for n in range(5)]

    seen: list[int] = []
    link: str | None = "/conversations?limit=2"
    pages = 0
    while link is not None:
        reply = await admin.get(link)
        assert reply.status == 200, reply.body
        seen += [c["id"] for c in reply.body["items"]]
        link = reply.body["next"]
        pages += 1

    assert seen == sorted(made, reverse=True)
    assert pages == 3


async def test_a_customer_profile_shows_the_lead_and_its_history_newest_first(
    admin: AdminApi, demo: DemoReport, sessions: async_sessionmaker[AsyncSession]
) -> None:
    docs = await Documented.of(admin)
    chats = await Chats.of(sessions, demo.tenant_id)
    ana, _ = await chats.conversation("ana")
    ben, _ = await chats.conversation("ben")
    bought = await admin.post(
        "/conversions",
        {
            "outcome": "purchased",
            "value": "12.50",
            "currency": "EUR",
            "external_order_id": "A-1",
            "customer_id": ana,
        },
    )
    assert bought.status == 201, bought.body

    listed = docs.check("/customers", await admin.get("/customers"))
    assert [c["id"] for c in listed["items"]] == [ben, ana]
    qualified = await admin.get("/customers?lead_stage=qualified")
    assert [c["id"] for c in qualified.body["items"]] == [ana]

    profile = docs.check("/customers/{customer_id}", await admin.get(f"/customers/{ana}"))
    assert (profile["name"], profile["lead_stage"]) == ("ana", "qualified")
    history = profile["lead_history"]
    assert {change["field"] for change in history} >= {"stage", "score"}
    assert [change["id"] for change in history] == sorted((c["id"] for c in history), reverse=True)
    stage = next(change for change in history if change["field"] == "stage")
    assert (stage["new_value"], stage["automated"]) == ("qualified", True)

    quiet = docs.check("/customers/{customer_id}", await admin.get(f"/customers/{ben}"))
    assert (quiet["lead_stage"], quiet["lead_history"]) == ("intake", [])


async def test_handoffs_and_ratings_are_listed_with_their_state(
    admin: AdminApi, demo: DemoReport, sessions: async_sessionmaker[AsyncSession]
) -> None:
    docs = await Documented.of(admin)
    chats = await Chats.of(sessions, demo.tenant_id)
    _, waiting_chat = await chats.conversation("ana")
    _, resolved_chat = await chats.conversation("ben")
    now = utcnow()
    async with transaction(sessions) as session:
        common = {"tenant_id": demo.tenant_id, "reason": "asked for a person"}
        session.add_all(
            [
                Handoff(
                    **common, conversation_id=resolved_chat, trigger="sentiment", requested_at=now,
                    accepted_at=now, resolved_at=now, notes="refunded",
                ),
                Handoff(**common, conversation_id=waiting_chat, trigger="customer_request", requested_at=now),
                Feedback(tenant_id=demo.tenant_id, conversation_id=resolved_chat, rating=4, comment="quick"),
            ]
        )  # fmt: skip

    handoffs = docs.check("/handoffs", await admin.get("/handoffs"))
    assert [(h["conversation_id"], h["status"]) for h in handoffs["items"]] == [
        (waiting_chat, "waiting"),
        (resolved_chat, "resolved"),
    ]
    waiting = await admin.get("/handoffs?status=waiting")
    assert [h["trigger"] for h in waiting.body["items"]] == ["customer_request"]
    by_trigger = await admin.get("/handoffs?trigger=sentiment")
    assert [h["notes"] for h in by_trigger.body["items"]] == ["refunded"]
    assert (await admin.get("/handoffs?status=claimed")).body["items"] == []

    ratings = docs.check("/feedback", await admin.get("/feedback"))
    assert [(f["conversation_id"], f["rating"], f["comment"]) for f in ratings["items"]] == [
        (resolved_chat, 4, "quick")
    ]
    assert (await admin.get("/feedback?rating=5")).body["items"] == []


async def test_another_tenant_sees_none_of_it(
    admin: AdminApi,
    other_admin: AdminApi,
    demo: DemoReport,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chats = await Chats.of(sessions, demo.tenant_id)
    ana, chat = await chats.conversation("ana")
    await chats.bot_turn(chat)
    async with transaction(sessions) as session:
        session.add(Feedback(tenant_id=demo.tenant_id, conversation_id=chat, rating=2))
        session.add(
            Handoff(
                tenant_id=demo.tenant_id,
                conversation_id=chat,
                reason="r",
                trigger="intent",
                requested_at=utcnow(),
            )
        )

    for path in (f"/conversations/{chat}", f"/conversations/{chat}/messages", f"/customers/{ana}"):
        refused = await other_admin.get(path)
        assert (refused.status, refused.error["code"]) == (404, "not_found"), path
    for path in (
        "/conversations",
        "/customers",
        "/handoffs",
        "/feedback",
        f"/conversations?customer_id={ana}",
    ):
        reply = await other_admin.get(path)
        assert (reply.status, reply.body["items"]) == (200, []), path
    assert (await admin.get(f"/conversations/{chat}")).status == 200


async def test_another_tenants_own_conversations_are_its_own(
    admin: AdminApi, other_admin: AdminApi, sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> None:
    theirs = await _with_channel(sessions, box, "other-shop")
    _, their_chat = await theirs.conversation("zoe")

    assert [c["id"] for c in (await other_admin.get("/conversations")).body["items"]] == [their_chat]
    assert (await admin.get(f"/conversations/{their_chat}")).status == 404
    assert (await admin.get("/conversations")).body["items"] == []


async def test_bad_filters_are_refused_naming_the_parameter(admin: AdminApi) -> None:
    for path, field in [
        ("/conversations?status=sleeping", "status"),
        ("/conversations?customer_id=ana", "customer_id"),
        ("/conversations?customer_id=0", "customer_id"),
        ("/conversations?customer_id=99999999999999999999", "customer_id"),
        ("/conversations?colour=red", "colour"),
        ("/conversations?limit=0", "limit"),
        ("/conversations?cursor=not-ours", "cursor"),
        ("/customers?lead_stage=hot", "lead_stage"),
        ("/customers?lead_label=qualified", "lead_label"),
        ("/handoffs?status=open", "status"),
        ("/handoffs?trigger=boredom", "trigger"),
        ("/feedback?rating=9", "rating"),
    ]:
        refused = await admin.get(path)
        assert (refused.status, refused.error["field"]) == (422, field), (path, refused.body)


async def _set_status(sessions: async_sessionmaker[AsyncSession], conversation_id: int, status: str) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(status=status)
        )


async def _with_channel(sessions: async_sessionmaker[AsyncSession], box: CredentialBox, slug: str) -> Chats:
    """The tenant ``slug`` with a console channel of its own, to chat on."""
    async with transaction(sessions) as session:
        tenant = await tenants.get_tenant_by_slug(session, slug)
        assert tenant is not None
        await add_channel(session, box, tenant=tenant, request=ChannelRequest(platform="console", name="own"))
        tenant_id = tenant.id
    return await Chats.of(sessions, tenant_id)
