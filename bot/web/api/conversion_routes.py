"""`POST /api/v1/conversions`: a shop reports a purchase (or an abandoned cart, or nothing bought).

Parse the body (bot.conversions.conversion_request), record it for the calling tenant in one transaction
(bot.conversions.purchase_callbacks), answer 201 with the conversion, or 200 with the stored one when the
same order was reported before with the same body.
"""

from __future__ import annotations

from aiohttp import web

from bot.conversions.conversion_request import ConversionRequest
from bot.conversions.purchase_callbacks import record_conversion
from bot.tenancy.api_callers import TenantCaller
from bot.web.agent.agent_json import respond
from bot.web.api.tenant_auth import tenant_route
from bot.web.app_keys import RUNTIME
from storage.db import transaction
from storage.models import utcnow

PATH = "/api/v1/conversions"


@tenant_route
async def create_conversion(request: web.Request, caller: TenantCaller, body: bytes) -> web.StreamResponse:
    conversion = ConversionRequest.model_validate_json(body)
    async with transaction(request.app[RUNTIME].sessions) as session:
        recorded = await record_conversion(
            session, tenant_id=caller.tenant_id, request=conversion, now=utcnow()
        )
    return respond({"conversion": recorded.conversion}, status=201 if recorded.created else 200)


def add_routes(app: web.Application) -> None:
    app.router.add_post(PATH, create_conversion)
