"""`/api/v1/docs`: the admin and agent APIs' reference, Swagger UI drawing /api/v1/openapi.json, from
package files.

Swagger UI 5 is vendored in static/swagger-ui/ (see its README for the version and licence); our page
(static/docs.html) and its script start it. Nothing is fetched from another site, and the
Content-Security-Policy keeps it so: scripts, styles and requests come from this server only.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.web.api.route_table import PREFIX

STATIC = Path(__file__).parent / "static"
DOCS_PATH = PREFIX + "/docs"
# The files a browser may ask for under /api/v1/docs/, and nothing else (no listing, no path tricks).
ASSETS = {
    "docs.js": (STATIC / "docs.js", "text/javascript; charset=utf-8"),
    "docs.css": (STATIC / "docs.css", "text/css; charset=utf-8"),
    "swagger-ui-bundle.js": (
        STATIC / "swagger-ui" / "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
    ),
    "swagger-ui.css": (STATIC / "swagger-ui" / "swagger-ui.css", "text/css; charset=utf-8"),
    "favicon-32x32.png": (STATIC / "swagger-ui" / "favicon-32x32.png", "image/png"),
}
SECURITY_HEADERS = {
    # Swagger UI sets element styles from script (allowed) and draws its icons from data: URIs.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


async def docs_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(
        STATIC / "docs.html", headers={**SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8"}
    )


async def docs_asset(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    found = ASSETS.get(name)
    if found is None:
        raise web.HTTPNotFound(reason=f"no docs file named {name!r}")
    path, content_type = found
    return web.FileResponse(path, headers={**SECURITY_HEADERS, "Content-Type": content_type})


def add_routes(app: web.Application) -> None:
    app.router.add_get(DOCS_PATH, docs_page)
    app.router.add_get(DOCS_PATH + "/{name}", docs_asset)
