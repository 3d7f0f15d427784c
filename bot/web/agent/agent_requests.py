"""The pydantic models that the agent API's handlers validate bodies and query strings with.

The same models are the request schemas of the OpenAPI document (bot/web/agent/agent_route_table.py
declares which route takes which), so what the document allows is what the handlers take. A field of the
wrong type, an unknown field, or a value out of range is a 400 naming the field; what the body means
(empty text, a reply that gives both text and a template) is the handoff service's to refuse.

Text is taken as sent: the handoff service drops what no database can store (NUL, lone surrogates) and
trims it, as it always has for agents' replies and notes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from bot.handoff import agent_queue
from bot.tenancy.read_filters import OneOf
from storage.models.customer_tables import CUSTOMER_TYPES, LEAD_LABELS, LEAD_STAGES


def _integral(value: object) -> object:
    """A JSON Schema integer: 3.0 is one (a number without a fraction); "3", true and 3.5 are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Ids and versions as JSON integers (never strings or booleans) that fit the database's columns.
Count = Annotated[StrictInt, Field(ge=0, lt=2**62), BeforeValidator(_integral)]
# What live_events ids look like on the wire (the Last-Event-ID header and ?last_event_id=): ASCII digits
# only, as int() would also read other scripts' digits.
EVENT_ID_PATTERN = "^[0-9]{1,18}$"


class AgentRequest(BaseModel):
    """A body: unknown fields are refused, so a typo is never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ClaimRequest(AgentRequest):
    version: Count | None = Field(
        None, description="the conversation's version as last read; if it changed since, the claim is a 409"
    )


class ResolveRequest(AgentRequest):
    note: str | None = Field(None, description="kept on the handoff; never sent to the customer")


class TransferRequest(AgentRequest):
    agent_id: Count = Field(description="the colleague who takes the conversation over (GET /agents)")


class ReplyRequest(AgentRequest):
    """Either ``text`` or ``template_id`` (one of the tenant's templates, filled in for this customer)."""

    text: str | None = None
    template_id: Count | None = None


class NoteRequest(AgentRequest):
    text: str = Field(description="an internal note for the tenant's agents; never sent")


class LeadRequest(AgentRequest):
    """At least one of the three; a field left out keeps its value."""

    stage: Annotated[str, OneOf(LEAD_STAGES)] | None = None
    label: Annotated[str, OneOf(LEAD_LABELS)] | None = None
    customer_type: Annotated[str, OneOf(CUSTOMER_TYPES)] | None = None


class ConversationsQuery(BaseModel):
    mine: Literal["0", "1", "true", "false"] = Field(
        "0", description="1 (or true): only the caller's own conversations"
    )


class TranscriptQuery(BaseModel):
    limit: int = Field(agent_queue.DEFAULT_PAGE, ge=1, le=agent_queue.MAX_PAGE)
    before: str | None = Field(None, description="the next cursor of the previous (newer) page")


class EventsQuery(BaseModel):
    last_event_id: str | None = Field(
        None,
        pattern=EVENT_ID_PATTERN,
        description="resume after this event (as the Last-Event-ID header, which wins when both are sent)",
    )
