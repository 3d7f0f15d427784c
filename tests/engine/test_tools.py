"""Transcripts of tool calls the model makes: what it asks for, what it gets back, what the turn records."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from bot.engine.knowledge_search import InMemoryKnowledgeBase, KnowledgeDoc
from bot.engine.tools.builtin import LEAD_STAGES, default_registry
from bot.engine.tools.registry import Tool, ToolContext, ToolRegistry, TurnEffects
from bot.engine.types import (
    BotSettings,
    ConversationState,
    CustomerInfo,
    InboundText,
    KnowledgeHit,
    LeadChange,
    TrackedLinkRequest,
    Turn,
)

ALL_TOOLS = (
    "search_knowledge_base",
    "handoff_to_human",
    "create_checkout_link",
    "get_customer_profile",
    "update_lead_stage",
)
PUBLIC_URL = "http://127.0.0.1:8080"

KNOWLEDGE = (
    KnowledgeDoc(1, "What are your opening hours?", "We're open 9am to 6pm, Monday to Saturday."),
    KnowledgeDoc(2, "How much is delivery?", "Delivery is free on orders over $30.", ("shipping",)),
    KnowledgeDoc(3, "Do you sell gift cards?", "Yes, gift cards from $10.", ("voucher",)),
)


def make_turn(
    *,
    lead_stage: str = "nurture",
    enabled: Sequence[str] = ALL_TOOLS,
    link_domains: Sequence[str] = ("shop.example",),
) -> Turn:
    return Turn(
        tenant_id=1,
        tenant_name="Corner Bakery",
        bot=BotSettings(bot_id=7, name="Baker", enabled_tools=tuple(enabled)),
        conversation=ConversationState(conversation_id=42, status="bot_active"),
        customer=CustomerInfo(customer_id=99, first_name="Ana", full_name="Ana Silva", phone="+15550100"),
        inbound=InboundText("hi"),
        lead_stage=lead_stage,
        lead_score=55,
        allowed_link_domains=tuple(link_domains),
    )


class SpyKnowledgeBase:
    """The knowledge port, remembering every search so a test can see what reached it."""

    def __init__(self, docs: Sequence[KnowledgeDoc] = KNOWLEDGE) -> None:
        self._inner = InMemoryKnowledgeBase(docs)
        self.searches: list[tuple[str, int]] = []

    async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]:
        self.searches.append((query, limit))
        return await self._inner.search(query, limit)


def make_context(turn: Turn | None = None, knowledge: SpyKnowledgeBase | None = None) -> ToolContext:
    tokens = iter(f"tok{n}" for n in range(1, 1000))
    return ToolContext(
        turn=turn or make_turn(),
        knowledge=knowledge or SpyKnowledgeBase(),
        effects=TurnEffects(),
        public_url=PUBLIC_URL,
        new_token=lambda: next(tokens),
    )


async def call(
    name: str, arguments: object, ctx: ToolContext, enabled: Sequence[str] = ALL_TOOLS
) -> Mapping[str, Any]:
    return await default_registry().execute(name, arguments, ctx, enabled)


def assert_refused(ctx: ToolContext, result: Mapping[str, Any], starts_with: str) -> None:
    assert set(result) == {"error"}
    assert result["error"].startswith(starts_with), result["error"]
    record = ctx.effects.calls[-1]
    assert record.success is False
    assert record.error == result["error"]
    assert record.result == result


# --- happy paths -------------------------------------------------------------------------------------


async def test_search_knowledge_base_answers_from_the_tenant_entries_and_remembers_them() -> None:
    ctx = make_context()

    result = await call("search_knowledge_base", {"query": "when are you open?", "limit": 2}, ctx)

    assert result["results"][0]["question"] == "What are your opening hours?"
    assert result["results"][0]["answer"] == "We're open 9am to 6pm, Monday to Saturday."
    assert 0.0 < result["results"][0]["score"] <= 1.0
    assert len(result["results"]) <= 2
    assert ctx.effects.knowledge_entry_ids == [1]
    [record] = ctx.effects.calls
    assert record.tool == "search_knowledge_base"
    assert record.arguments == {"query": "when are you open?", "limit": 2}
    assert record.result == result
    assert record.success is True
    assert record.error is None


async def test_every_call_records_how_long_the_tool_took() -> None:
    now = [500.0]

    async def slow(arguments: Mapping[str, Any], ctx: ToolContext) -> Mapping[str, Any]:
        now[0] += 0.012  # the tool takes 12 ms of the registry's clock
        return {"ok": True}

    registry = ToolRegistry([Tool("slow", "Takes a while.", {"type": "object"}, slow)], clock=lambda: now[0])
    ctx = make_context()

    await registry.execute("slow", {}, ctx, ["slow"])
    await registry.execute("not_enabled", {}, ctx, ["slow"])

    assert [(record.tool, record.duration_ms) for record in ctx.effects.calls] == [
        ("slow", 12),
        ("not_enabled", 0),
    ]


async def test_search_defaults_to_three_results_and_accepts_a_whole_float_limit() -> None:
    knowledge = SpyKnowledgeBase()
    ctx = make_context(knowledge=knowledge)

    await call("search_knowledge_base", {"query": "delivery"}, ctx)
    result = await call("search_knowledge_base", {"query": "gift voucher", "limit": 5.0}, ctx)

    assert knowledge.searches == [("delivery", 3), ("gift voucher", 5)]
    assert isinstance(knowledge.searches[1][1], int)
    assert result["results"][0]["answer"] == "Yes, gift cards from $10."
    assert ctx.effects.knowledge_entry_ids == [2, 3]
    assert all(record.success for record in ctx.effects.calls)


async def test_search_with_nothing_relevant_returns_no_results() -> None:
    ctx = make_context()

    result = await call("search_knowledge_base", {"query": "quantum entanglement"}, ctx)

    assert result == {"results": []}
    assert ctx.effects.knowledge_entry_ids == []
    assert ctx.effects.calls[0].success is True


async def test_handoff_to_human_asks_for_an_agent_with_the_reason() -> None:
    ctx = make_context()

    result = await call("handoff_to_human", {"reason": "  Customer wants a refund  "}, ctx)
    again = await call("handoff_to_human", {"reason": "still waiting"}, ctx)

    assert result == {"status": "handoff_requested"}
    assert again == {"status": "handoff_requested"}
    assert ctx.effects.handoff_reason == "Customer wants a refund"


async def test_create_checkout_link_hands_out_a_tracked_link_not_the_target() -> None:
    ctx = make_context()

    result = await call(
        "create_checkout_link", {"product": "Birthday cake", "url": "https://shop.example/cake?size=L"}, ctx
    )

    assert result == {"url": "http://127.0.0.1:8080/r/tok1"}
    assert ctx.effects.tracked_links == [
        TrackedLinkRequest(
            token="tok1", target_url="https://shop.example/cake?size=L", product="Birthday cake"
        )
    ]


async def test_a_public_url_with_a_trailing_slash_makes_no_double_slash() -> None:
    ctx = make_context()
    ctx = ToolContext(ctx.turn, ctx.knowledge, ctx.effects, "https://bot.example/", ctx.new_token)

    result = await call("create_checkout_link", {"product": "Bread", "url": "http://shop.example/"}, ctx)

    assert result == {"url": "https://bot.example/r/tok1"}


async def test_checkout_links_use_a_fresh_random_token_by_default() -> None:
    turn = make_turn()
    ctx = ToolContext(turn=turn, knowledge=SpyKnowledgeBase(), effects=TurnEffects(), public_url=PUBLIC_URL)

    first = await call("create_checkout_link", {"product": "Bread", "url": "https://shop.example/a"}, ctx)
    second = await call("create_checkout_link", {"product": "Bread", "url": "https://shop.example/a"}, ctx)

    tokens = [link.token for link in ctx.effects.tracked_links]
    assert len(set(tokens)) == 2
    assert all(len(token) >= 16 and len(token) <= 64 for token in tokens)
    assert first["url"] == f"{PUBLIC_URL}/r/{tokens[0]}"
    assert second["url"] == f"{PUBLIC_URL}/r/{tokens[1]}"


async def test_get_customer_profile_describes_only_the_customer_of_the_turn() -> None:
    ctx = make_context()

    result = await call("get_customer_profile", {}, ctx)

    assert result == {"first_name": "Ana", "name": "Ana Silva", "lead_stage": "nurture", "lead_score": 55}
    assert "+15550100" not in json.dumps(result)


async def test_update_lead_stage_records_a_lead_change() -> None:
    ctx = make_context()

    result = await call("update_lead_stage", {"stage": "qualified", "reason": "Asked for a quote"}, ctx)
    profile = await call("get_customer_profile", {}, ctx)

    assert result == {"status": "updated", "stage": "qualified"}
    assert ctx.effects.lead_changes == [LeadChange("stage", "qualified", "Asked for a quote")]
    assert profile["lead_stage"] == "qualified"


async def test_update_lead_stage_to_the_current_stage_changes_nothing() -> None:
    ctx = make_context(make_turn(lead_stage="convert"))

    result = await call("update_lead_stage", {"stage": "convert", "reason": "Still deciding"}, ctx)

    assert result == {"status": "unchanged", "stage": "convert"}
    assert ctx.effects.lead_changes == []
    assert ctx.effects.calls[0].success is True


def test_lead_stages_match_the_database_constraint() -> None:
    from storage.models.customer_tables import LEAD_STAGES as STORED_STAGES

    assert LEAD_STAGES == STORED_STAGES


# --- bad input from the model -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "mentions"),
    [
        (
            "search_knowledge_base",
            {"query": "hours", "limit": "five"},
            "limit: 'five' is not of type 'integer'",
        ),
        ("search_knowledge_base", {"query": "hours", "limit": 6}, "limit: 6 is greater than the maximum"),
        ("search_knowledge_base", {"query": "hours", "limit": True}, "limit: True is not of type 'integer'"),
        ("search_knowledge_base", {"query": ""}, "query:"),
        ("search_knowledge_base", {"query": "x" * 501}, "is too long"),
        ("search_knowledge_base", {}, "'query' is a required property"),
        ("update_lead_stage", {"stage": "vip", "reason": "big spender"}, "stage: 'vip' is not one of"),
        ("update_lead_stage", {"stage": "qualified"}, "'reason' is a required property"),
        ("update_lead_stage", {"stage": "lost", "reason": "   "}, "reason:"),
        ("handoff_to_human", {"reason": 12}, "reason: 12 is not of type 'string'"),
        ("handoff_to_human", {"reason": "angry", "urgent": True}, "'urgent' was unexpected"),
        ("get_customer_profile", {"verbose": True}, "'verbose' was unexpected"),
        ("create_checkout_link", {"product": "Cake"}, "'url' is a required property"),
        ("create_checkout_link", {"product": "Cake", "url": "https://x.example/" + "a" * 2000}, "too long"),
    ],
)
async def test_arguments_that_break_the_schema_become_an_error_for_the_model(
    tool: str, arguments: dict[str, Any], mentions: str
) -> None:
    ctx = make_context()

    result = await call(tool, arguments, ctx)

    assert_refused(ctx, result, "invalid arguments: ")
    assert mentions in result["error"]
    assert len(result["error"]) <= 300
    assert ctx.effects.calls[0].arguments == arguments
    assert ctx.effects.handoff_reason is None
    assert ctx.effects.lead_changes == []
    assert ctx.effects.tracked_links == []


@pytest.mark.parametrize("arguments", [None, "query=hours", ["hours"], 3, '{"query": "hours"}'])
async def test_arguments_that_are_not_a_json_object_are_refused_and_recorded_raw(arguments: object) -> None:
    knowledge = SpyKnowledgeBase()
    ctx = make_context(knowledge=knowledge)

    result = await call("search_knowledge_base", arguments, ctx)

    assert_refused(ctx, result, "invalid arguments: expected a JSON object")
    assert ctx.effects.calls[0].arguments == {"_raw": repr(arguments)}
    assert knowledge.searches == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "ftp://files.example/cake.pdf",
        "//shop.example/cake",
        "https://shop.example@evil.example/pay",
        "https://user:secret@shop.example/",
        "https:///no-host",
        "https://shop.example:99999/",
        "https://shop example/cake",
        "https://shop.example/\u043a\u0435\u043a\u0441",
        "https://shop.example/%zz",
        "not a url",
    ],
)
async def test_checkout_links_only_go_to_http_or_https_pages(url: str) -> None:
    ctx = make_context()

    result = await call("create_checkout_link", {"product": "Cake", "url": url}, ctx)

    assert_refused(ctx, result, "invalid arguments: ")
    assert ctx.effects.tracked_links == []


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/cake",
        "http://shop.example:8443/cake?size=L",
        "https://eu.shop.example/cake",
        "https://pay.eu.shop.example/checkout",
        "https://SHOP.Example/cake",
        "https://shop.example./cake",
    ],
)
async def test_checkout_links_go_to_the_allowed_domain_and_its_subdomains(url: str) -> None:
    ctx = make_context()

    result = await call("create_checkout_link", {"product": "Cake", "url": url}, ctx)

    assert result == {"url": f"{PUBLIC_URL}/r/tok1"}
    assert [link.target_url for link in ctx.effects.tracked_links] == [url]


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.net/shop.example",
        "https://shop.example.evil.net/cake",
        "https://notshop.example/cake",
        "https://example/cake",
        "https://shop.example@evil.net/cake",
        "https://shop.example:pw@evil.net/cake",
        "https://evil.net?https://shop.example/",
        "https://evil.net#.shop.example",
        "javascript://shop.example/%0aalert(1)",
        "ftp://shop.example/cake.pdf",
    ],
)
async def test_checkout_links_elsewhere_than_the_allowed_domains_are_refused(url: str) -> None:
    ctx = make_context()

    result = await call("create_checkout_link", {"product": "Cake", "url": url}, ctx)

    assert_refused(ctx, result, "invalid arguments: ")
    assert ctx.effects.tracked_links == []


async def test_the_refusal_tells_the_model_which_sites_it_may_link_to() -> None:
    ctx = make_context(make_turn(link_domains=("shop.example", "pay.example")))

    result = await call("create_checkout_link", {"product": "Cake", "url": "https://evil.net/"}, ctx)

    assert_refused(ctx, result, "invalid arguments: url must be on one of this business's sites")
    assert "shop.example, pay.example" in result["error"]


async def test_without_allowed_link_domains_the_tool_makes_no_link() -> None:
    ctx = make_context(make_turn(link_domains=()))

    result = await call("create_checkout_link", {"product": "Cake", "url": "https://shop.example/cake"}, ctx)

    assert_refused(ctx, result, "invalid arguments: this business has no allowed link domains")
    assert ctx.effects.tracked_links == []


async def test_an_unknown_tool_is_an_error_for_the_model() -> None:
    ctx = make_context()

    result = await call("delete_all_customers", {"confirm": True}, ctx)

    assert_refused(ctx, result, "unknown tool 'delete_all_customers'")
    assert ctx.effects.calls[0].tool == "delete_all_customers"
    assert ctx.effects.calls[0].arguments == {"confirm": True}


async def test_a_very_long_tool_name_is_cut_to_fit_the_record() -> None:
    ctx = make_context()

    result = await call("x" * 5000, {}, ctx)

    assert_refused(ctx, result, "unknown tool 'xxx")
    assert len(result["error"]) < 100
    assert ctx.effects.calls[0].tool == "x" * 64


async def test_a_tool_the_bot_has_not_enabled_cannot_be_called() -> None:
    ctx = make_context()

    result = await call(
        "create_checkout_link",
        {"product": "Cake", "url": "https://shop.example/cake"},
        ctx,
        enabled=["search_knowledge_base", "handoff_to_human"],
    )

    assert_refused(ctx, result, "unknown tool 'create_checkout_link'")
    assert ctx.effects.tracked_links == []


async def test_a_tool_that_raises_becomes_an_error_result_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(arguments: Mapping[str, Any], ctx: ToolContext) -> Mapping[str, Any]:
        raise RuntimeError("connection to db-internal:5432 refused")

    registry = ToolRegistry([Tool("broken", "Always fails.", {"type": "object"}, broken)])
    ctx = make_context()

    result = await registry.execute("broken", {}, ctx, ["broken"])

    assert result == {"error": "tool failed: RuntimeError"}
    [record] = ctx.effects.calls
    assert record.success is False
    assert record.result == result
    assert record.error is not None
    assert "db-internal" in record.error  # for operators, in the stored call, never for the model
    assert "tool broken failed" in caplog.text


async def test_a_knowledge_base_that_fails_does_not_crash_the_turn() -> None:
    class DownKnowledgeBase:
        async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]:
            raise ConnectionError("database is down")

    ctx = ToolContext(make_turn(), DownKnowledgeBase(), TurnEffects(), PUBLIC_URL)

    result = await call("search_knowledge_base", {"query": "hours"}, ctx)

    assert result == {"error": "tool failed: ConnectionError"}
    assert ctx.effects.calls[0].success is False
    assert ctx.effects.calls[0].error == "ConnectionError: database is down"
    assert ctx.effects.knowledge_entry_ids == []


@pytest.mark.parametrize(
    "result",
    [["not", "an", "object"], {"value": float("nan")}, {"value": object()}, {"when": b"bytes"}],
)
async def test_a_tool_result_that_is_not_json_becomes_an_error(result: object) -> None:
    async def sloppy(arguments: Mapping[str, Any], ctx: ToolContext) -> Any:
        return result

    registry = ToolRegistry([Tool("sloppy", "Returns junk.", {"type": "object"}, sloppy)])
    ctx = make_context()

    answer = await registry.execute("sloppy", {}, ctx, ["sloppy"])

    assert_refused(ctx, answer, "tool failed: invalid result")


async def test_the_recorded_call_does_not_change_when_the_caller_edits_what_it_passed_or_got() -> None:
    ctx = make_context()
    arguments: dict[str, Any] = {"query": "delivery"}

    result = await call("search_knowledge_base", arguments, ctx)
    arguments["query"] = "edited"
    result["results"].clear()

    record = ctx.effects.calls[0]
    assert record.arguments == {"query": "delivery"}
    assert record.result is not None
    assert len(record.result["results"]) == 1


# --- tenant and customer isolation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("search_knowledge_base", {"query": "hours", "tenant_id": 2}),
        ("get_customer_profile", {"customer_id": 100}),
        ("get_customer_profile", {"tenant_id": 2, "customer_id": 100}),
        ("update_lead_stage", {"stage": "lost", "reason": "x", "customer_id": 100}),
        ("handoff_to_human", {"reason": "help", "conversation_id": 43}),
        ("create_checkout_link", {"product": "Cake", "url": "https://s.example/", "tenant_id": 2}),
    ],
)
async def test_arguments_naming_another_tenant_or_customer_are_refused(
    tool: str, arguments: dict[str, Any]
) -> None:
    knowledge = SpyKnowledgeBase()
    ctx = make_context(knowledge=knowledge)

    result = await call(tool, arguments, ctx)

    assert_refused(ctx, result, "invalid arguments: Additional properties are not allowed")
    assert knowledge.searches == []
    assert ctx.effects.lead_changes == []
    assert ctx.effects.handoff_reason is None
    assert ctx.effects.tracked_links == []


def test_no_tool_lets_the_model_name_a_tenant_conversation_or_customer() -> None:
    for declaration in default_registry().declarations(ALL_TOOLS):
        schema = declaration["parameters_json_schema"]
        assert schema["additionalProperties"] is False
        named = {name.lower() for name in schema["properties"]}
        assert not any("tenant" in name or "customer" in name or "conversation" in name for name in named)


# --- declarations -------------------------------------------------------------------------------------


def test_declarations_list_only_the_enabled_tools_in_a_stable_order() -> None:
    registry = default_registry()

    declared = registry.declarations(["update_lead_stage", "no_such_tool", "search_knowledge_base"])

    assert [d["name"] for d in declared] == ["search_knowledge_base", "update_lead_stage"]
    assert registry.declarations([]) == []
    assert [d["name"] for d in registry.declarations(list(reversed(ALL_TOOLS)))] == list(ALL_TOOLS)


def test_declarations_are_valid_json_schema_with_a_description() -> None:
    for declaration in default_registry().declarations(ALL_TOOLS):
        assert set(declaration) == {"name", "description", "parameters_json_schema"}
        assert declaration["description"]
        schema = declaration["parameters_json_schema"]
        Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object"
        json.dumps(declaration)


def test_editing_a_declaration_does_not_change_the_registry() -> None:
    registry = default_registry()

    registry.declarations(["search_knowledge_base"])[0]["parameters_json_schema"]["properties"].clear()

    schema = registry.declarations(["search_knowledge_base"])[0]["parameters_json_schema"]
    assert "query" in schema["properties"]


def test_a_registry_refuses_duplicate_names_and_broken_schemas() -> None:
    async def noop(arguments: Mapping[str, Any], ctx: ToolContext) -> Mapping[str, Any]:
        return {}

    with pytest.raises(ValueError, match="registered twice"):
        ToolRegistry(
            [Tool("same", "a", {"type": "object"}, noop), Tool("same", "b", {"type": "object"}, noop)]
        )
    with pytest.raises(ValueError, match="invalid tool name"):
        ToolRegistry([Tool("has space", "a", {"type": "object"}, noop)])
    with pytest.raises(SchemaError):
        ToolRegistry([Tool("bad", "a", {"type": "thing"}, noop)])


# --- whatever the model sends, execute() answers --------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
KNOWN_KEYS = st.sampled_from(["query", "limit", "reason", "product", "url", "stage", "tenant_id"])
ARGUMENTS = JSON_VALUES | st.dictionaries(KNOWN_KEYS | st.text(max_size=10), JSON_VALUES, max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tool=st.sampled_from([*ALL_TOOLS, "unknown_tool"]), arguments=ARGUMENTS)
def test_any_json_arguments_get_an_answer_and_a_record(tool: str, arguments: object) -> None:
    ctx = make_context()

    result = asyncio.run(call(tool, arguments, ctx))

    assert isinstance(result, dict)
    json.dumps(result, allow_nan=False)
    [record] = ctx.effects.calls
    assert record.success is ("error" not in result)
    assert record.result == result
    json.dumps(record.arguments, allow_nan=False)
    json.dumps(record.result, allow_nan=False)
