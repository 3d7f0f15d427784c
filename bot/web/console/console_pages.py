"""Serves the agents' web console: one HTML page, its stylesheets and scripts, from package files.

The page talks to the agent API (/api/v1/agent/...) and, for an admin, to the admin API (/api/v1/...).
Nothing is built or fetched from elsewhere, and the Content-Security-Policy keeps it that way in the
browser: scripts, styles and connections come from this server only, and no other site may frame the page.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"
# The files a browser may ask for, and nothing else (no directory listing, no path tricks).
ASSETS = {
    "console.css": "text/css",
    "console.js": "text/javascript",
    # The pages an admin also sees (admin_common.js shows their tabs to admins only).
    "admin.css": "text/css",
    "admin_common.js": "text/javascript",
    "admin_resources.js": "text/javascript",
    "admin_knowledge.js": "text/javascript",
    "admin_templates.js": "text/javascript",
    "admin_bot.js": "text/javascript",
    "admin_agents.js": "text/javascript",
    "admin_charts.js": "text/javascript",
    "admin_dashboard.js": "text/javascript",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # Always revalidate (ETag / Last-Modified), so an upgrade reaches every open console.
    "Cache-Control": "no-cache",
}


async def console_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(
        STATIC / "index.html", headers={**SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8"}
    )


async def console_asset(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    content_type = ASSETS.get(name)
    if content_type is None:
        raise web.HTTPNotFound(reason=f"no console file named {name!r}")
    return web.FileResponse(
        STATIC / name, headers={**SECURITY_HEADERS, "Content-Type": f"{content_type}; charset=utf-8"}
    )


async def to_console(_request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect("/console/")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console", to_console)
    app.router.add_get("/console/", console_page)
    app.router.add_get("/console/{name}", console_asset)
