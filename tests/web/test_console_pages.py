"""The console's pages as a browser fetches them: the page, its scripts and stylesheets, and nothing else."""

from __future__ import annotations

import re

from pytest_aiohttp import AiohttpClient

from bot.app import create_app
from bot.config import Settings


async def test_the_console_page_is_a_login_form_that_loads_only_local_files(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))

    response = await client.get("/console/")
    page = await response.text()

    assert response.status == 200
    assert response.content_type == "text/html"
    assert '<label for="token">Agent token</label>' in page
    # No CDN: every script and stylesheet is one of ours, by a relative address.
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts[0] == "console.js"
    assert "admin_knowledge.js" in scripts
    assert all(re.fullmatch(r"[a-z_]+\.js", name) for name in scripts)
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', page) == ["console.css", "admin.css"]
    assert "http" not in page.split("<body>")[0]
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


async def test_the_script_and_the_stylesheet_are_served_with_their_types(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))

    script = await client.get("/console/console.js")
    style = await client.get("/console/console.css")

    assert (script.status, script.content_type) == (200, "text/javascript")
    assert "Last-Event-ID" in await script.text()
    assert (style.status, style.content_type) == (200, "text/css")
    assert "@media" in await style.text()
    assert script.headers["X-Content-Type-Options"] == "nosniff"


async def test_every_file_the_page_names_is_served_with_its_type(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    page = await (await client.get("/console/")).text()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    named = scripts + re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)

    for name in named:
        response = await client.get(f"/console/{name}")
        expected = "text/javascript" if name.endswith(".js") else "text/css"
        assert (response.status, response.content_type) == (200, expected), name
        # Data from the API is set as text, never parsed as HTML.
        assert "innerHTML" not in await response.text(), name


async def test_console_without_the_slash_redirects_to_the_page(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))

    response = await client.get("/console", allow_redirects=False)

    assert response.status == 308
    assert response.headers["Location"] == "/console/"


async def test_no_other_file_of_the_package_can_be_fetched(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))

    for path in ("/console/console_pages.py", "/console/..%2F__init__.py", "/console/index.html.bak"):
        response = await client.get(path)
        assert response.status == 404, path
        assert (await response.json())["error"]["status"] == 404
