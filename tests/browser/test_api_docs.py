"""The admin API's reference (/api/v1/docs) in a real browser: Swagger UI, served from this server,
lists the operations of /api/v1/openapi.json; an admin authorizes with the tenant API key and tries a
call. Nothing is requested from another host.

A screenshot is taken on every run; with CHATBOT_UPDATE_SCREENSHOTS=1 it is also written to
docs/api-docs.png.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from bot.tenancy.demo.seed import DemoReport
from tests.browser.conftest import Site

if TYPE_CHECKING:
    from playwright.async_api import Browser, Request

DOCS = Path(__file__).resolve().parents[2] / "docs"
LAPTOP = {"width": 1366, "height": 900}
SHOWN_MS = 20_000


async def test_an_admin_reads_the_api_reference_and_tries_a_call_with_the_key(
    site: Site, browser: Browser, demo: DemoReport, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    assert demo.api_key is not None
    page = await browser.new_page(viewport=LAPTOP)  # type: ignore[arg-type]
    script_errors: list[str] = []
    blocked: list[str] = []
    requested: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)

    def note(request: Request) -> None:
        requested.append(request.url)

    page.on("request", note)

    await page.goto(f"{site.url}/api/v1/docs")

    await expect(page.locator(".information-container")).to_contain_text("tenant admin API", timeout=SHOWN_MS)
    await expect(page.locator(".version-stamp")).to_contain_text("OAS 3.1")
    listed = page.locator(".opblock-summary-path")
    await expect(listed.filter(has_text="/api/v1/knowledge").first).to_be_visible()
    await expect(listed.filter(has_text="/api/v1/templates/{template_id}").first).to_be_visible()
    await expect(page.locator(".opblock-tag-section h3").filter(has_text="conversions")).to_be_visible()
    shot = tmp_path / "api-docs.png"
    await page.screenshot(path=str(shot), full_page=False)
    if os.environ.get("CHATBOT_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(shot, DOCS / "api-docs.png")

    await page.get_by_role("button", name="Authorize").first.click()
    # The document names two schemes, the tenant's API key and an agent's token: the key is the admin's.
    tenant_key = page.locator(".auth-container").filter(has_text="tenantKey")
    await tenant_key.get_by_label("auth-bearer-value").fill(demo.api_key)
    await tenant_key.get_by_role("button", name="Apply credentials").click()
    await expect(tenant_key.get_by_role("button", name="Remove authorization")).to_be_visible()
    await page.locator(".auth-btn-wrapper").get_by_role("button", name="Close").first.click()

    listing = page.locator("#operations-templates-list_templates")
    await listing.locator(".opblock-summary").click()
    await listing.get_by_role("button", name="Try it out").click()
    await listing.get_by_role("button", name="Execute").click()
    answer = listing.locator(".live-responses-table .response")
    await expect(answer.locator(".response-col_status")).to_have_text("200", timeout=SHOWN_MS)
    await expect(answer.locator(".response-col_description")).to_contain_text('"items"')

    await page.close()

    assert script_errors == []
    assert blocked == []
    assert requested, "the page made no requests at all"
    assert [url for url in requested if not url.startswith((site.url, "data:"))] == []
