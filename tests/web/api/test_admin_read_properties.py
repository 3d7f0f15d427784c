"""Whatever query an admin sends to a read route, the answer is a documented 200 or a JSON 4xx.

Hypothesis fills the documented query parameters (and an unknown one) with odd text, far dates and huge
numbers; nothing may end in a 5xx, and every 200 must match the published OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.tenancy.demo.seed import DemoReport
from tests.support.admin_api import AdminApi
from tests.support.openapi_check import Documented
from tests.web.api.test_conversion_properties import assert_json_refusal_or_success, client_of
from tests.web.test_webhook_properties import FEWER

LISTS = (
    "/conversations",
    "/customers",
    "/handoffs",
    "/feedback",
    "/credits/ledger",
    "/usage",
    "/conversions",
    "/analytics",
)
ODD_VALUES = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e20",
        "99999999999999999999",
        "9223372036854775808",
        "0001-01-01",
        "9999-12-31T23:59:59-14:00",
        "2024-02-30",
        "2024-05-01T10:00:00+05:30",
        "resolved",
        "purchased",
        "escalated",
        "true",
    ]
)
PARAMETERS = (
    "status", "customer_id", "conversation_id", "lead_stage", "lead_label", "customer_type",
    "trigger", "rating", "kind", "outcome", "since", "until", "limit", "cursor", "colour",
)  # fmt: skip
QUERIES = st.dictionaries(st.sampled_from(PARAMETERS), ODD_VALUES, max_size=3)
_documents: dict[str, Documented] = {}


@FEWER
@given(path=st.sampled_from(LISTS), query=QUERIES)
@example(path="/analytics", query={"since": "9000-12-31T23:59:59-14:00"})
@example(path="/analytics", query={"until": "1970-01-01T00:00:00+14:00"})
@example(path="/conversations", query={"customer_id": "9223372036854775808"})
async def test_any_query_is_answered_sensibly(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    demo: DemoReport,
    path: str,
    query: dict[str, str],
) -> None:
    client = await client_of(aiohttp_client, settings)
    assert demo.api_key is not None
    admin = AdminApi(client, demo.api_key)
    docs = _documents.get("admin") or _documents.setdefault("admin", await Documented.of(admin))
    async with client.get(
        "/api/v1" + path, params=query, headers={"Authorization": f"Bearer {demo.api_key}"}
    ) as response:
        await assert_json_refusal_or_success(response)
        body: Any = await response.json()
        if response.status == 200:
            docs.check_body(path, response.status, body)
