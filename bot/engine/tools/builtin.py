"""The five built-in tools the LLM may call: knowledge search, handoff, tracked links and the lead.

Each tool only reads the turn and writes what it decided into the turn's ``TurnEffects``; the registry
in ``bot.engine.tools`` validates the arguments against the schemas here before a tool runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from bot.engine.tools.registry import Tool, ToolArgumentError, ToolContext, ToolRegistry
from bot.engine.types import LeadChange, TrackedLinkRequest

__all__ = [
    "BUILTIN_TOOLS",
    "LEAD_STAGES",
    "create_checkout_link",
    "get_customer_profile",
    "handoff_to_human",
    "search_knowledge_base",
    "update_lead_stage",
]

# Must match storage.models.customers.LEAD_STAGES (the engine may not import storage; a test checks).
LEAD_STAGES = ("intake", "nurture", "convert", "qualified", "unqualified", "lost")

DEFAULT_KNOWLEDGE_LIMIT = 3
MAX_KNOWLEDGE_LIMIT = 5
_NOT_BLANK = r"\S"


async def _search_knowledge_base(arguments: Mapping[str, Any], ctx: ToolContext) -> Mapping[str, Any]:
    # JSON Schema counts 3.0 as an integer; the knowledge base slices with it, so make it a real int.
    limit = int(arguments.get("limit", DEFAULT_KNOWLEDGE_LIMIT))
    hits = list(await ctx.knowledge.search(arguments["query"], limit))[:limit]
    for hit in hits:
        if hit.entry_id not in ctx.effects.knowledge_entry_ids:
            ctx.effects.knowledge_entry_ids.append(hit.entry_id)
    return {
        "results": [
            {"question": hit.question, "answer": hit.answer, "score": round(hit.score, 3)} for hit in hits
        ]
    }


async def _handoff_to_human(arguments: Mapping[str, Any], ctx: ToolContext) -> Mapping[str, Any]:
    # The first reason is the one that explains the handoff; a second call in the same turn changes nothing.
    if ctx.effects.handoff_reason is None:
        ctx.effects.handoff_reason = arguments["reason"].strip()
    return {"status": "handoff_requested"}


def _on_allowed_domain(host: str, allowed: Sequence[str]) -> bool:
    # urlsplit lowercases the host; a trailing dot names the same host. "example.com" allows itself and
    # "shop.example.com", never "example.com.evil.net" or "badexample.com".
    host = host.rstrip(".")
    domains = {domain.lower().rstrip(".") for domain in allowed} - {""}
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _checked_link_target(url: str, allowed_domains: Sequence[str]) -> str:
    if not allowed_domains:
        raise ToolArgumentError(
            "this business has no allowed link domains, so no links can be made; do not send a link"
        )
    try:
        parts = urlsplit(url)
        _ = parts.port  # reading the port is what rejects "http://shop:99999/"
    except ValueError as exc:
        raise ToolArgumentError(f"url is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ToolArgumentError("url must start with http:// or https://")
    if not parts.hostname:
        raise ToolArgumentError("url has no host")
    # "https://shop.example@evil.example/" shows one site and opens another.
    if parts.username is not None or parts.password is not None:
        raise ToolArgumentError("url must not contain a user name or password")
    if not _on_allowed_domain(parts.hostname, allowed_domains):
        raise ToolArgumentError(f"url must be on one of this business's sites: {', '.join(allowed_domains)}")
    return url


async def _create_checkout_link(arguments: Mapping[str, Any], ctx: ToolContext) -> Mapping[str, Any]:
    target_url = _checked_link_target(arguments["url"], ctx.turn.allowed_link_domains)
    token = ctx.new_token()
    ctx.effects.tracked_links.append(
        TrackedLinkRequest(token=token, target_url=target_url, product=arguments["product"].strip())
    )
    return {"url": f"{ctx.public_url.rstrip('/')}/r/{token}"}


async def _get_customer_profile(arguments: Mapping[str, Any], ctx: ToolContext) -> Mapping[str, Any]:
    # Only the turn's own customer, and no contact details: the model has no way to name anyone else.
    customer = ctx.turn.customer
    return {
        "first_name": customer.first_name,
        "name": customer.full_name,
        "lead_stage": _current_stage(ctx),
        "lead_score": ctx.turn.lead_score,
    }


def _current_stage(ctx: ToolContext) -> str:
    for change in reversed(ctx.effects.lead_changes):
        if change.field == "stage":
            return change.new_value
    return ctx.turn.lead_stage


async def _update_lead_stage(arguments: Mapping[str, Any], ctx: ToolContext) -> Mapping[str, Any]:
    stage: str = arguments["stage"]
    # Every change becomes a lead_activities row; a "change" to the same stage would only be noise.
    if stage == _current_stage(ctx):
        return {"status": "unchanged", "stage": stage}
    ctx.effects.lead_changes.append(LeadChange("stage", stage, arguments["reason"].strip()))
    return {"status": "updated", "stage": stage}


def _object(properties: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(required),
        "additionalProperties": False,
    }


search_knowledge_base = Tool(
    name="search_knowledge_base",
    description=(
        "Search this business's knowledge base (its own questions and answers) and return the best "
        "matches with a relevance score from 0 to 1. Use it before answering questions about the business."
    ),
    parameters=_object(
        {
            "query": {
                "type": "string",
                "minLength": 1,
                "maxLength": 500,
                "pattern": _NOT_BLANK,
                "description": "What to look for, in the customer's words.",
            },
            "limit": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_KNOWLEDGE_LIMIT,
                "description": f"How many results at most (default {DEFAULT_KNOWLEDGE_LIMIT}).",
            },
        },
        required=["query"],
    ),
    call=_search_knowledge_base,
)

handoff_to_human = Tool(
    name="handoff_to_human",
    description=(
        "Hand the conversation to a human agent: when the customer asks for a person, is upset, or needs "
        "something you cannot do. The bot stops answering once this is called."
    ),
    parameters=_object(
        {
            "reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": 300,
                "pattern": _NOT_BLANK,
                "description": "Why a person should take over, for the agent who picks it up.",
            }
        },
        required=["reason"],
    ),
    call=_handoff_to_human,
)

create_checkout_link = Tool(
    name="create_checkout_link",
    description=(
        "Create a tracked link to a product or checkout page on this business's own sites and return "
        "the URL to give the customer. Always send the returned URL, never the original one."
    ),
    parameters=_object(
        {
            "product": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "pattern": _NOT_BLANK,
                "description": "The product or offer the link is for.",
            },
            "url": {
                "type": "string",
                "format": "uri",
                "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://",
                "maxLength": 2000,
                "description": "The http:// or https:// page the customer should land on.",
            },
        },
        required=["product", "url"],
    ),
    call=_create_checkout_link,
)

get_customer_profile = Tool(
    name="get_customer_profile",
    description="Get the current customer's name and lead stage and score.",
    parameters=_object({}),
    call=_get_customer_profile,
)

update_lead_stage = Tool(
    name="update_lead_stage",
    description=(
        "Move the current customer to another lead stage (intake, nurture, convert, qualified, "
        "unqualified, lost) when the conversation shows it, with the reason."
    ),
    parameters=_object(
        {
            "stage": {"type": "string", "enum": list(LEAD_STAGES), "description": "The new lead stage."},
            "reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": 300,
                "pattern": _NOT_BLANK,
                "description": "What the customer said or did that justifies the change.",
            },
        },
        required=["stage", "reason"],
    ),
    call=_update_lead_stage,
)


BUILTIN_TOOLS = (
    search_knowledge_base,
    handoff_to_human,
    create_checkout_link,
    get_customer_profile,
    update_lead_stage,
)


def default_registry() -> ToolRegistry:
    """The five built-in tools."""
    return ToolRegistry(BUILTIN_TOOLS)
