"""The admin API's reference page as a browser fetches it: our page, Swagger UI's files (vendored),
all from this server with their types, and the package data that installs them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pytest_aiohttp import AiohttpClient

from bot.app import create_app
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[3]
ADDRESS = re.compile(r'\b(?:src|href)="([^"]*)"')
EXPECTED_TYPES = {
    "docs/swagger-ui-bundle.js": "text/javascript",
    "docs/docs.js": "text/javascript",
    "docs/swagger-ui.css": "text/css",
    "docs/docs.css": "text/css",
    "docs/favicon-32x32.png": "image/png",
}


async def test_the_docs_page_loads_swagger_ui_from_this_server_only(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))

    response = await client.get("/api/v1/docs")
    page = await response.text()

    assert response.status == 200
    assert response.content_type == "text/html"
    addresses = ADDRESS.findall(page)
    # Every script, stylesheet, icon and link is relative to /api/v1/: nothing from another host.
    assert sorted(addresses) == sorted([*EXPECTED_TYPES, "openapi.json", "openapi.json"])
    assert not [a for a in addresses if re.match(r"(?i)(https?:)?//", a)]
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


async def test_each_file_the_page_loads_is_served_with_its_type(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))

    for address, content_type in EXPECTED_TYPES.items():
        response = await client.get(f"/api/v1/{address}")
        assert (response.status, response.content_type) == (200, content_type), address
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert len(await response.read()) > 100, address
    script = await (await client.get("/api/v1/docs/docs.js")).text()
    # Swagger UI is pointed at our document, without the validator badge that calls another site.
    assert 'url: "openapi.json"' in script
    assert "validatorUrl: null" in script
    assert "http" not in script
    bundle = await (await client.get("/api/v1/docs/swagger-ui-bundle.js")).text()
    assert "SwaggerUIBundle" in bundle


async def test_the_page_the_document_and_the_files_need_no_api_key(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))

    document: dict[str, Any] = await (await client.get("/api/v1/openapi.json")).json()

    assert (await client.get("/api/v1/docs")).status == 200
    assert document["components"]["securitySchemes"]["tenantKey"]["scheme"] == "bearer"


async def test_no_other_file_of_the_package_can_be_fetched(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))

    for path in (
        "/api/v1/docs/docs_page.py",
        "/api/v1/docs/..%2F__init__.py",
        "/api/v1/docs/LICENSE",
        "/api/v1/docs/swagger-ui.css.map",
        "/api/v1/docs/docs.html",
    ):
        response = await client.get(path)
        assert response.status == 404, path


def test_an_installed_package_carries_the_page_and_swagger_ui() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["bot"]
    package = ROOT / "bot"
    static = package / "web" / "api" / "static"
    files = {p.relative_to(package).as_posix() for p in static.rglob("*") if p.is_file()}
    # Globbed as setuptools does: a "*" stays within one folder.
    installed = {p.relative_to(package).as_posix() for pattern in patterns for p in package.glob(pattern)}

    assert "web/api/static/swagger-ui/LICENSE" in files
    assert files - installed == set()
