"""Mirror who owns a Messenger conversation with the Handover Protocol, where the page uses an inbox app.

When the bot hands a conversation to the queue, the thread is passed to the channel's inbox app (the
Page Inbox is app 263902037430900), so people can answer there and the customer's messages reach this
runtime as standby events (recorded, shown to agents, never answered by the bot). When the conversation
leaves the queue (an agent of this runtime claims or resolves it, or it closes), the thread is taken
back so our replies, the rating question and the bot's next answers can go out.

The calls are queued in the outbox as system messages, behind the handoff message that precedes them
and ahead of what follows, so they happen in the conversation's order and are retried like any send.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox_queue
from storage.models import Channel, Conversation
from storage.sql import get_owned

PAGE_INBOX_APP_ID = "263902037430900"
QUEUE = "escalated"


def inbox_app_of(channel: Channel) -> str | None:
    """The inbox app a Messenger channel passes threads to, if it is configured with one."""
    if channel.platform != "messenger":
        return None
    app_id = (channel.settings or {}).get("inbox_app_id")
    return str(app_id) if app_id else None


async def mirror_ownership(
    session: AsyncSession, conversation: Conversation, *, from_status: str, to_status: str, now: datetime
) -> None:
    """Queue the pass or take that a move from ``from_status`` to ``to_status`` needs (most need none)."""
    if to_status == QUEUE and from_status != QUEUE:
        action, text = "pass", "Thread passed to the page's inbox app."
    elif from_status == QUEUE and to_status != QUEUE:
        action, text = "take", "Thread taken back from the page's inbox app."
    else:
        return
    channel = await get_owned(session, Channel, conversation.tenant_id, conversation.channel_id)
    app_id = inbox_app_of(channel) if channel is not None else None
    if app_id is None:
        return
    control: dict[str, str] = {"action": action, "metadata": f"conversation {conversation.id}"}
    if action == "pass":
        control["target_app_id"] = app_id
    await outbox_queue.queue_outbound(
        session,
        conversation,
        role="system",
        text=text,
        payload={"thread_control": control},
        message_type="thread_control",
        now=now,
    )
