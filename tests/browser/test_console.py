"""The agents' console in a real browser, against the real app: a customer asks for a person on
Messenger, an agent sees it arrive live, claims it, replies (tagged HUMAN_AGENT after 24 hours) and
resolves it; a reply the platform refuses shows as a failure on the message; a refused token ends the
session; a phone screen shows one column.

Screenshots of the queue and the conversation are taken on every run; with CHATBOT_UPDATE_SCREENSHOTS=1
they are also written to docs/ (docs/console-queue.png, docs/console-conversation.png).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import WINDOW_TEMPLATE, Site, sent_texts
from tests.support.doubles import wait_until

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

DOCS = Path(__file__).resolve().parents[2] / "docs"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# How long the page may take to show what the server did (a turn, a delivery, a live event).
ARRIVAL_MS = 20_000
MARIA, TOM = "2000000001", "2000000002"
ANA = "15551234567"
SCRIPT_ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def no_script_errors() -> Iterator[None]:
    SCRIPT_ERRORS.clear()
    yield
    assert SCRIPT_ERRORS == [], "the console's script failed in the browser"


async def new_page(browser: Browser, viewport: dict[str, int]) -> Page:
    """A page whose script errors fail the test (checked when the browser closes)."""
    page = await browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    page.on("pageerror", lambda error: SCRIPT_ERRORS.append(str(error)))
    return page


async def logged_in(browser: Browser, site: Site, token: str, viewport: dict[str, int]) -> Page:
    from playwright.async_api import expect

    page = await new_page(browser, viewport)
    await page.goto(f"{site.url}/console/")
    await page.get_by_label("Agent token").fill(token)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#live")).to_have_text("Live", timeout=ARRIVAL_MS)
    return page


def sent(site: Site, psid: str, count: int) -> Callable[[], Awaitable[bool]]:
    """A condition: ``count`` texts have reached the customer at the fake Messenger API."""

    async def check() -> bool:
        return len(sent_texts(site.graph, psid)) >= count

    return check


def whatsapp_sends(site: Site, wa_id: str, count: int) -> Callable[[], Awaitable[bool]]:
    """A condition: ``count`` messages have reached the WhatsApp customer at the fake Graph API."""

    async def check() -> bool:
        return len(site.graph.sent_to(wa_id)) >= count

    return check


async def screenshot(page: Page, name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a page, not a blank
    if os.environ.get("CHATBOT_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS / name)


async def test_an_agent_takes_a_customer_who_asked_for_a_person_from_queue_to_resolved(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    token = await site.new_agent("Dana")
    await site.new_agent("Sam")  # a colleague to transfer to
    page = await new_page(browser, LAPTOP)
    await page.goto(f"{site.url}/console/")

    await page.get_by_label("Agent token").fill("cba_not-a-real-token")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#login-error")).to_contain_text("not accepted")

    await page.get_by_label("Agent token").fill(token)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#live")).to_have_text("Live", timeout=ARRIVAL_MS)
    await expect(page.locator("#queue-empty")).to_be_visible()

    # The customer asks for a person; the page shows it without a reload.
    await site.customer_writes(MARIA, "can I talk to a real person please", "m_maria_1")
    waiting = page.locator("#queue .item")
    await expect(waiting).to_have_count(1, timeout=ARRIVAL_MS)
    await expect(waiting.first).to_contain_text("asked for a person")
    await wait_until(sent(site, MARIA, 1))  # the bot's handoff message
    await expect(page.locator("#queue-count")).to_have_text("1")

    # A second customer, and the names a profile lookup would give; the queue is oldest first.
    await site.name_customer(MARIA, "Maria Lopez")
    await site.customer_writes(TOM, "is there a human i can chat with? my order never came", "m_tom_1")
    await expect(waiting).to_have_count(2, timeout=ARRIVAL_MS)
    await site.name_customer(TOM, "Tom Becker")
    # Maria wrote three days ago as far as the platform and the runtime know: only the HUMAN_AGENT
    # tag may reach her now.
    await site.customer_last_wrote(MARIA, datetime.now(UTC) - timedelta(days=3))
    await page.reload()  # the login survives a reload (sessionStorage)
    await expect(waiting.nth(0)).to_contain_text("Maria Lopez", timeout=ARRIVAL_MS)
    await expect(waiting.nth(1)).to_contain_text("Tom Becker")
    await expect(waiting.nth(0)).to_contain_text("#1 in queue")
    await screenshot(page, "console-queue.png", tmp_path)

    await waiting.nth(0).click()
    await expect(page.locator("#conv-title")).to_have_text("Maria Lopez")
    await expect(page.locator("#transcript")).to_contain_text("can I talk to a real person please")
    await expect(page.locator("#summary")).not_to_be_empty()
    await expect(page.locator("#intents")).to_contain_text("human_request")
    await expect(page.locator("#reply-locked")).to_have_text("Claim this conversation to reply.")

    await page.get_by_role("button", name="Claim").click()
    await expect(page.locator("#window-info")).to_contain_text("HUMAN_AGENT")
    await expect(page.get_by_label("Transfer to")).to_contain_text("Sam")
    await expect(page.locator("#mine .item")).to_contain_text("Maria Lopez")
    await expect(waiting).to_have_count(1)

    reply = "Hi Maria, this is Dana from the team. I can change the delivery address for you."
    await page.get_by_label("Reply to the customer").fill(reply)
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.locator("#transcript")).to_contain_text(reply)

    async def reply_reached_messenger() -> bool:
        return any(body["message"]["text"] == reply for body in sent_texts(site.graph, MARIA))

    await wait_until(reply_reached_messenger)
    delivered = next(body for body in sent_texts(site.graph, MARIA) if body["message"]["text"] == reply)
    assert (delivered["messaging_type"], delivered["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")

    await page.get_by_label("Add a note (never sent to the customer)").fill("Wants delivery to her office")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator("#notes")).to_contain_text("Wants delivery to her office")
    assert not any("office" in body["message"]["text"] for body in sent_texts(site.graph, MARIA))
    await screenshot(page, "console-conversation.png", tmp_path)

    await page.get_by_label("Resolution note").fill("Address changed")
    await page.get_by_role("button", name="Resolve").click()
    await expect(page.locator("#conv-meta")).to_contain_text("resolved")
    await expect(page.locator("#mine-empty")).to_be_visible()
    await expect(page.locator("#reply-locked")).to_contain_text("resolved")
    assert await site.conversation_status(MARIA) == "resolved"


async def test_a_reply_the_platform_refuses_shows_as_not_delivered_on_the_message(
    site: Site, browser: Browser
) -> None:
    from playwright.async_api import expect

    page = await logged_in(browser, site, await site.new_agent("Dana"), LAPTOP)
    await site.customer_writes(MARIA, "can I talk to a real person please", "m_maria_1")
    await page.locator("#queue .item").first.click(timeout=ARRIVAL_MS)
    await page.get_by_role("button", name="Claim").click()
    await wait_until(sent(site, MARIA, 1))
    # The runtime believes the window is open; Messenger knows better and refuses the send.
    await site.customer_last_wrote(MARIA, datetime.now(UTC) - timedelta(days=10), at_platform_only=True)

    await page.get_by_label("Reply to the customer").fill("Are you still there?")
    await page.get_by_role("button", name="Send", exact=True).click()

    refused = page.locator(".msg.failed", has_text="Are you still there?")
    await expect(refused).to_contain_text("Not delivered", timeout=ARRIVAL_MS)
    await expect(refused).to_contain_text("window is closed")
    await expect(page.locator("#flash")).to_contain_text("was not delivered")


async def test_on_whatsapp_after_24_hours_the_reply_box_offers_templates_and_the_approved_one_goes_out(
    site: Site, browser: Browser
) -> None:
    from playwright.async_api import expect

    page = await logged_in(browser, site, await site.new_agent("Dana"), LAPTOP)
    await site.whatsapp_customer_writes(ANA, "can I talk to a real person please", "wamid.ana.1")
    await page.locator("#queue .item").first.click(timeout=ARRIVAL_MS)
    await wait_until(whatsapp_sends(site, ANA, 1))  # the bot's handoff message
    await site.customer_last_wrote(ANA, datetime.now(UTC) - timedelta(hours=30))
    await page.get_by_role("button", name="Claim").click()

    await expect(page.locator("#window-info")).to_contain_text(f"approved template “{WINDOW_TEMPLATE}”")
    await expect(page.get_by_label("Reply to the customer")).to_be_hidden()
    await page.get_by_label("Template to send").select_option(label="thanks")
    await expect(page.locator("#template-preview")).to_contain_text("You're very welcome")
    await page.get_by_role("button", name="Send template").click()

    await wait_until(whatsapp_sends(site, ANA, 2))
    assert site.graph.sent_to(ANA)[-1]["type"] == "template"
    assert site.graph.sent_to(ANA)[-1]["template"]["name"] == WINDOW_TEMPLATE
    await expect(page.locator("#transcript")).to_contain_text("You're very welcome")


async def test_an_agent_transfers_one_conversation_and_hands_another_back_to_the_bot(
    site: Site, browser: Browser
) -> None:
    from playwright.async_api import expect

    await site.new_agent("Sam")
    page = await logged_in(browser, site, await site.new_agent("Dana"), LAPTOP)
    waiting = page.locator("#queue .item")
    # One at a time: the two conversations' turns run concurrently and the queue is in escalation
    # order, so otherwise Tom may come first, and the clicks below would transfer Tom, release Maria.
    await site.customer_writes(MARIA, "can I talk to a real person please", "m_maria_1")
    await expect(waiting).to_have_count(1, timeout=ARRIVAL_MS)
    await site.customer_writes(TOM, "is there a human i can chat with", "m_tom_1")
    await expect(waiting).to_have_count(2, timeout=ARRIVAL_MS)

    await waiting.nth(0).click()
    await page.get_by_role("button", name="Claim").click()
    await page.get_by_label("Transfer to").select_option(label="Sam 0/5")
    await page.get_by_role("button", name="Transfer").click()
    await expect(page.locator("#conv-meta")).to_contain_text("with Sam")
    await expect(page.locator("#reply-locked")).to_contain_text("Sam owns this conversation")
    await expect(page.locator("#mine-empty")).to_be_visible()

    await waiting.nth(0).click()
    await page.get_by_role("button", name="Claim").click()
    await page.get_by_role("button", name="Release to the bot").click()
    await expect(page.locator("#conv-meta")).to_contain_text("bot_active")
    await expect(page.locator("#queue-empty")).to_be_visible()
    assert await site.conversation_status(TOM) == "bot_active"


async def test_an_agent_sets_the_customers_lead_stage_and_label(site: Site, browser: Browser) -> None:
    from playwright.async_api import expect

    page = await logged_in(browser, site, await site.new_agent("Dana"), LAPTOP)
    await site.customer_writes(MARIA, "can I talk to a real person please", "m_maria_1")
    await page.locator("#queue .item").first.click(timeout=ARRIVAL_MS)
    await expect(page.locator("#customer")).to_contain_text("intake")

    await page.get_by_label("Stage").select_option("qualified")
    await page.get_by_label("Label").select_option("hot")
    await page.get_by_role("button", name="Save lead").click()

    await expect(page.locator("#customer")).to_contain_text("qualified")
    await expect(page.locator("#customer")).to_contain_text("hot")
    assert sorted(await site.manual_lead_changes(MARIA)) == [("label", "hot"), ("stage", "qualified")]


async def test_the_console_reconnects_by_itself_after_the_server_restarts(
    site: Site, browser: Browser
) -> None:
    from playwright.async_api import expect

    page = await logged_in(browser, site, await site.new_agent("Dana"), LAPTOP)
    port = site.runner.addresses[0][1]

    await site.stop()
    await expect(page.locator("#live")).not_to_have_text("Live", timeout=ARRIVAL_MS)
    await site.start_again(port)
    await expect(page.locator("#live")).to_have_text("Live", timeout=ARRIVAL_MS)

    await site.customer_writes(MARIA, "can I talk to a real person please", "m_maria_1")
    await expect(page.locator("#queue .item")).to_have_count(1, timeout=ARRIVAL_MS)


async def test_an_agent_whose_token_stops_working_is_sent_back_to_the_login_form(
    site: Site, browser: Browser
) -> None:
    from playwright.async_api import expect

    page = await logged_in(browser, site, await site.new_agent("Dana"), LAPTOP)
    await site.customer_writes(MARIA, "can I talk to a real person please", "m_maria_1")
    waiting = page.locator("#queue .item")
    await expect(waiting).to_have_count(1, timeout=ARRIVAL_MS)

    await site.disable_agent("Dana")
    # The next thing the console asks the API (here: to show a new message) is refused.
    await site.customer_writes(MARIA, "hello? anyone there?", "m_maria_2")

    await expect(page.get_by_label("Agent token")).to_be_visible()
    await expect(page.locator("#login-error")).to_contain_text("Log in again")
    assert await page.evaluate("sessionStorage.length") == 0
    await page.reload()
    await expect(page.get_by_label("Agent token")).to_be_visible()


async def test_on_a_phone_the_conversation_fills_the_screen_and_nothing_scrolls_sideways(
    site: Site, browser: Browser
) -> None:
    from playwright.async_api import expect

    page = await logged_in(browser, site, await site.new_agent("Dana"), PHONE)
    await site.customer_writes(MARIA, "can I talk to a real person please", "m_maria_1")
    await page.locator("#queue .item").first.click(timeout=ARRIVAL_MS)
    await page.get_by_role("button", name="Claim").click()

    await expect(page.get_by_label("Reply to the customer")).to_be_visible()
    await expect(page.locator("#lists")).to_be_hidden()
    assert await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    await page.get_by_role("button", name="Conversations").click()
    await expect(page.locator("#mine .item")).to_be_visible()
    assert await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
