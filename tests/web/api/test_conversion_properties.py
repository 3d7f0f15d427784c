"""Whatever a shop (or anyone) sends to `POST /api/v1/conversions`, the answer is a 2xx or a JSON 4xx.

Hypothesis throws arbitrary JSON (NUL, lone surrogates, huge numbers included), bodies with the real
fields set to odd values, and arbitrary authentication headers; nothing may end in a 5xx.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.config import Settings
from bot.tenancy.demo.seed import DemoReport
from tests.support.shop import PATH
from tests.web.test_webhook_properties import FEWER, HEADER_TEXT, JSON_VALUES, ODD_TEXT

FIELDS = (
    "link_token", "conversation_id", "customer_id", "outcome", "value", "currency", "external_order_id",
    "monetization_source", "occurred_at",
)  # fmt: skip
ODD_VALUES = (
    JSON_VALUES
    | st.sampled_from(
        ["purchased", "EUR", "usd", "12.50", "-1", "1e999", "NaN", "2025-01-01T00:00:00Z", 1, 0]
    )
    | st.integers(min_value=-(2**70), max_value=2**70)
)
REPORTS = st.fixed_dictionaries(
    {
        "outcome": st.just("purchased") | ODD_VALUES,
        "value": st.just("1") | ODD_VALUES,
        "currency": st.just("EUR") | ODD_VALUES,
    },
    optional={name: ODD_VALUES for name in FIELDS if name not in ("outcome", "value", "currency")},
)

# The examples of one test share its app (made once per test, as the agents' property tests do).
_clients: dict[str, Any] = {}


async def client_of(aiohttp_client: AiohttpClient, settings: Settings) -> Any:
    made = _clients.get("last")
    if made is None or made[0] is not settings:
        made = _clients["last"] = (settings, await aiohttp_client(create_app(settings)))
    return made[1]


async def assert_json_refusal_or_success(response: Any) -> None:
    assert response.status < 500, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    if response.status >= 400:
        error = body["error"]
        assert error["status"] == response.status
        assert error["message"]
        assert set(error) == {"status", "code", "message", "field"}


@FEWER
@given(body=REPORTS | JSON_VALUES)
@example(
    body={
        "outcome": "purchased",
        "value": "1",
        "currency": "EUR",
        "external_order_id": "a\x00b",
        "customer_id": 1,
    }
)
@example(
    body={
        "outcome": "purchased",
        "value": "1",
        "currency": "EUR",
        "external_order_id": "\ud800",
        "customer_id": 1,
    }
)
@example(
    body={
        "outcome": "purchased",
        "value": "1",
        "currency": "EUR",
        "external_order_id": "x",
        "link_token": "\x00",
    }
)
@example(
    body={
        "outcome": "purchased",
        "value": "1",
        "currency": "EUR",
        "external_order_id": "x",
        "customer_id": 1,
        "monetization_source": "\ud800",
    }
)
async def test_any_json_body_with_a_valid_key_is_answered_sensibly(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    demo: DemoReport,
    body: Any,
) -> None:
    client = await client_of(aiohttp_client, settings)
    response = await client.post(
        PATH, data=json.dumps(body), headers={"Authorization": f"Bearer {demo.api_key}"}
    )
    await assert_json_refusal_or_success(response)


@FEWER
@given(authorization=HEADER_TEXT, tenant=HEADER_TEXT, signature=HEADER_TEXT, body=ODD_TEXT)
async def test_any_authentication_headers_are_answered_sensibly(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    demo: DemoReport,
    authorization: str,
    tenant: str,
    signature: str,
    body: str,
) -> None:
    client = await client_of(aiohttp_client, settings)
    for headers in (
        {"Authorization": authorization},
        {"X-Chatbot-Tenant": tenant, "X-Chatbot-Signature": signature},
        {"X-Chatbot-Tenant": "demo", "X-Chatbot-Signature": signature},
    ):
        response = await client.post(PATH, data=body.encode("utf-8", "surrogatepass"), headers=headers)
        assert response.status == 401
        await assert_json_refusal_or_success(response)
