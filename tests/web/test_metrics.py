"""`GET /metrics`: what a scrape shows after real webhooks, what it never shows, and its optional token.

Counters live for the whole test process, so each test compares a scrape before with one after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from bot.app import create_app
from bot.config import Settings
from bot.tenancy.demo.seed import DemoReport
from tests.support.doubles import wait_until
from tests.support.platforms import APP_SECRET, PAGE_ID, PAGE_TOKEN, World
from tests.support.scrapes import Series, parse_scrape, value
from tests.web.test_webhooks import messenger_event

CUSTOMER = "2000000042"


async def scrape(world: World) -> dict[Series, float]:
    response = await world.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse_scrape(await response.text())


async def turns_counted(world: World, before: dict[Series, float], count: int) -> None:
    """Wait until ``count`` more turns are counted: a turn is counted when its processing returns, a
    moment after its event is stored as done (which is all ``world.settled`` can see)."""
    name = "chatbot_events_processed_total"

    def total(scraped: dict[Series, float]) -> float:
        return sum(v for (series, _), v in scraped.items() if series == name)

    async def counted() -> bool:
        return total(await scrape(world)) - total(before) >= count

    await wait_until(counted, timeout=10.0)


def says(text: str, mid: str) -> bytes:
    return messenger_event({"message": {"mid": mid, "text": text}}, psid=CUSTOMER)


async def test_a_webhook_its_turn_and_its_reply_show_in_the_next_scrape(world: World) -> None:
    before = await scrape(world)

    assert (await world.post("messenger", says("!hours", "m_metrics_1"))).status == 200
    await world.settled()
    await turns_counted(world, before, 1)
    after = await scrape(world)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("chatbot_webhook_items_total", platform="messenger") == 1
    assert grew("chatbot_events_accepted_total", platform="messenger") == 1
    assert grew("chatbot_events_processed_total", route="command") == 1
    assert grew("chatbot_turn_seconds_count", route="command") == 1
    assert grew("chatbot_outbound_sends_total", platform="messenger", result="sent", error="none") == 1
    assert value(after, "chatbot_queue_stats_up") == 1
    for queue, status in (("inbox", "pending"), ("inbox", "processing"), ("outbox", "pending")):
        assert (("chatbot_queue_depth", frozenset({("queue", queue), ("status", status)}))) in after
        assert value(after, "chatbot_queue_depth", queue=queue, status=status) == 0
    assert value(after, "chatbot_queue_oldest_pending_age_seconds", queue="inbox") == 0


async def test_a_retried_webhook_is_counted_as_received_but_not_accepted_again(world: World) -> None:
    before = await scrape(world)

    body = says("!price", "m_metrics_retry")
    for _ in range(3):
        assert (await world.post("messenger", body)).status == 200
    await world.settled()
    after = await scrape(world)

    items = "chatbot_webhook_items_total"
    accepted = "chatbot_events_accepted_total"
    assert value(after, items, platform="messenger") - value(before, items, platform="messenger") == 3
    assert value(after, accepted, platform="messenger") - value(before, accepted, platform="messenger") == 1


async def test_a_handoff_is_counted_once_by_what_triggered_it(world: World) -> None:
    name = "chatbot_handoffs_total"
    scraped = await scrape(world)
    before = value(scraped, name, trigger="customer_request")

    await world.post("messenger", says("can I talk to a real person please", "m_metrics_person"))
    await world.settled()
    await world.post("messenger", says("hello? anyone there?", "m_metrics_waiting"))
    await world.settled()
    await turns_counted(world, scraped, 2)

    assert value(await scrape(world), name, trigger="customer_request") - before == 1


async def test_a_scrape_names_no_tenant_customer_text_key_or_token(world: World) -> None:
    await world.post("messenger", says("my secret order number is PLUM-8812", "m_metrics_private"))
    await world.settled()

    text = await (await world.client.get("/metrics")).text()

    for private in (
        "demo",  # the tenant's slug
        "Demo Coffee",
        CUSTOMER,
        PAGE_ID,
        "PLUM-8812",
        PAGE_TOKEN,
        APP_SECRET,
        *world.keys.values(),
    ):
        assert private not in text


async def test_metrics_want_the_token_when_one_is_configured(
    settings: Settings, demo: DemoReport, aiohttp_client: Callable[..., Any]
) -> None:
    settings = settings.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    client = await aiohttp_client(create_app(settings))

    refused = await client.get("/metrics")
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
    allowed = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})

    assert refused.status == wrong.status == 401
    assert (await refused.json())["error"]["message"]
    assert allowed.status == 200
    assert "chatbot_queue_stats_up 1.0" in await allowed.text()


async def test_every_response_carries_a_request_id_the_callers_own_when_it_is_plausible(world: World) -> None:
    given = await world.client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.42"})
    made = await world.client.get("/healthz")
    implausible = await world.client.get("/healthz", headers={"X-Request-Id": "<script>"})

    assert given.headers["X-Request-Id"] == "lb-7f3a.42"
    assert len(made.headers["X-Request-Id"]) == 32
    assert implausible.headers["X-Request-Id"] not in ("<script>", made.headers["X-Request-Id"])
