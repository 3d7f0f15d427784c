"""CHATBOT_LOG_FORMAT=json: a webhook and its turns logged at DEBUG as JSON lines with their ids, no words.

The project's logging configuration (as `chatbot serve` installs it) writes into a string; the app is
the real one behind aiohttp's test server, its turns processed by the real pipeline.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.meta import sign
from bot.cli.log_setup import configure_logging
from tests.support.platforms import APP_SECRET, World
from tests.web.test_webhooks import messenger_event

FIRST = "Is the Guatemala Huehuetenango roast in stock?"
SECOND = "And could you deliver it to Kralupy on Friday?"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    touched = [logging.getLogger(name) for name in ("sqlalchemy.engine", "aiosqlite", "httpcore", "httpx")]
    saved = (list(root.handlers), root.level, [logger.level for logger in touched])
    stream = io.StringIO()
    configure_logging("DEBUG", stream, log_format="json")
    try:
        yield stream
    finally:
        for handler in root.handlers[:]:
            if handler not in saved[0]:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(saved[1])
        for logger, level in zip(touched, saved[2], strict=True):
            logger.setLevel(level)


async def post(world: World, text: str, mid: str, request_id: str) -> None:
    body = messenger_event({"message": {"mid": mid, "text": text}}, psid="2000000055")
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(body, APP_SECRET),
        "X-Request-Id": request_id,
    }
    response = await world.client.post(
        f"/webhooks/messenger/{world.keys['messenger']}", data=body, headers=headers
    )
    assert response.status == 200
    await world.settled()


async def test_json_lines_carry_the_request_event_and_conversation_ids_and_never_the_words(
    world: World, json_logs: io.StringIO
) -> None:
    await post(world, FIRST, "m_json_1", "req-first")
    await post(world, SECOND, "m_json_2", "req-second")

    raw = json_logs.getvalue()
    lines: list[dict[str, Any]] = [json.loads(line) for line in raw.splitlines()]

    assert lines
    for line in lines:
        assert {"time", "level", "logger", "message", "pid"} <= set(line)
    accepted = [line for line in lines if line["logger"] == "bot.web.webhooks"]
    assert [line["request_id"] for line in accepted] == ["req-first", "req-second"]
    assert all(line["tenant_id"] == world.tenant_id for line in accepted)
    processed = [
        line for line in lines if line["message"].startswith("event ") and "processed" in line["message"]
    ]
    assert len(processed) == 2
    assert all(line["tenant_id"] == world.tenant_id and "event_id" in line for line in processed)
    # Both turns are of one conversation (the first opened it); the webhook request is not theirs.
    assert len({line["conversation_id"] for line in processed}) == 1
    assert all("request_id" not in line for line in processed)
    for words in (FIRST, SECOND, "Huehuetenango", "Kralupy"):
        assert words not in raw
