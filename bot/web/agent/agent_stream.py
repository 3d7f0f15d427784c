"""`GET /api/v1/agent/events`: the tenant's live events as Server-Sent Events, resumable with Last-Event-ID.

Events are read back from the live_events table (written in the same transaction as the change they tell
of), so a console that reconnects with ``Last-Event-ID`` (header) or ``?last_event_id=`` gets everything it
missed, whichever process made the change and across restarts. A connection without one starts at the
tenant's newest event (its id is sent at once, so even a client that drops before the first event resumes
from there). The table is polled every poll interval; a comment line is sent every
``HEARTBEAT_SECONDS`` (keeping proxies from closing an idle stream), which also marks the agent seen, so
an agent is available while its console is connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import web

from bot.handoff import agent_presence
from bot.web.agent.agent_requests import EventsQuery
from bot.web.agent.agent_route_table import AgentCall, AgentRouteTable
from bot.web.app_keys import RUNTIME, STREAMS_CLOSING
from storage import live_events
from storage.db import read_only, transaction
from storage.models import LiveEvent, utcnow

events_table = AgentRouteTable("agent: live events")
HEARTBEAT_SECONDS = 15.0
BATCH = 500
# How long a browser's EventSource waits before reconnecting on its own.
RETRY_MS = 2000


def frame(event: LiveEvent) -> bytes:
    data = {**(event.payload or {}), "conversation_id": event.conversation_id}
    return f"id: {event.id}\nevent: {event.kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def resume_point(call: AgentCall) -> int | None:
    """The id of the last event the client has (header first, then the query), or None for a fresh start.

    Either is validated by the route's query model (a 400 naming ``last_event_id``); an empty one is none.
    """
    request = call.request
    raw = request.headers.get("Last-Event-ID", "").strip() or request.query.get("last_event_id", "").strip()
    asked = EventsQuery.model_validate({"last_event_id": raw or None})
    return None if asked.last_event_id is None else int(asked.last_event_id)


@events_table.get(
    "/events",
    "The tenant's live events (Server-Sent Events), resumable with Last-Event-ID",
    query=EventsQuery,
    event_stream=True,
    description=(
        "Each event is an `id`, an `event` (`message`, `queue`, `claim`, `status`, `note`, `failure`) and "
        "a JSON `data` line; a heartbeat comment is sent every 15 s. Reconnect with `Last-Event-ID` (or "
        "`?last_event_id=`) to receive everything missed since, across restarts and processes."
    ),
)
async def events(call: AgentCall) -> web.StreamResponse:
    request, agent = call.request, call.agent
    runtime = request.app[RUNTIME]
    closing = request.app[STREAMS_CLOSING]
    last_id = resume_point(call)
    if last_id is None:
        async with read_only(runtime.sessions) as session:
            last_id = await live_events.latest_id(session, tenant_id=agent.tenant_id)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            # nginx and similar proxies would otherwise hold events back in their buffers.
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    next_beat = loop.time() + HEARTBEAT_SECONDS
    poll = runtime.settings.poll_interval_seconds
    try:
        # An id-only block sends no event but sets where the client resumes: a console that drops before
        # the first event still reconnects from here, not from whatever is newest by then.
        await response.write(f"retry: {RETRY_MS}\nid: {last_id}\n\n".encode())
        while not closing.is_set() and not _gone(request):
            async with read_only(runtime.sessions) as session:
                batch = await live_events.events_after(
                    session, tenant_id=agent.tenant_id, after_id=last_id, limit=BATCH
                )
            for event in batch:
                await response.write(frame(event))
                last_id = event.id
            if loop.time() >= next_beat:
                await response.write(b": heartbeat\n\n")
                next_beat = loop.time() + HEARTBEAT_SECONDS
                async with transaction(runtime.sessions) as session:
                    await agent_presence.mark_seen(
                        session, tenant_id=agent.tenant_id, agent_id=agent.id, now=utcnow()
                    )
            if len(batch) < BATCH:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(poll):
                        await closing.wait()
    except ConnectionResetError:
        pass  # the console went away; it resumes from its last event id
    return response


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _close_streams(app: web.Application) -> None:
    app[STREAMS_CLOSING].set()


def add_stream_closing(app: web.Application) -> None:
    """Streams end when the app shuts down (the console resumes them from another process or later)."""
    app[STREAMS_CLOSING] = asyncio.Event()
    app.on_shutdown.append(_close_streams)
