"""A local fake of GroupMe's ``POST /bots/post`` that checks bodies as GroupMe does, for tests.

Answers 202 with an empty body, dedupes on ``source_guid``, uses GroupMe's V3 error envelope
``{"meta":{"code":…,"errors":[…]},"response":null}`` and can be scripted to fail the next requests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import LocalServer

MAX_TEXT_LENGTH = 1000


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it, accepted or not."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class ScriptedFailure:
    status: int
    retry_after: str | None


def error_envelope(status: int, *errors: str) -> dict[str, Any]:
    return {"meta": {"code": status, "errors": list(errors)}, "response": None}


class FakeGroupMe(LocalServer):
    """``FakeGroupMe(bot_ids={"bot-1": "group-1"})``; ``async with`` it, or ``await start()``/``close()``."""

    def __init__(self, bot_ids: dict[str, str]) -> None:
        super().__init__()
        self.bot_ids = dict(bot_ids)
        self.posts: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        self._failures: list[ScriptedFailure] = []
        self._seen_guids: set[tuple[str, str]] = set()

    def fail_next(self, status: int = 503, times: int = 1, retry_after: float | str | None = None) -> None:
        """Answer the next ``times`` requests with ``status`` before checking anything else."""
        header = None if retry_after is None else str(retry_after)
        self._failures.extend(ScriptedFailure(status, header) for _ in range(times))

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/bots/post", self._post)

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(RecordedRequest(request.method, request.path, dict(request.headers), body))
        if self._failures:
            failure = self._failures.pop(0)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else None
            return _error(failure.status, "scripted failure", headers=headers)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "body must be JSON")
        if not isinstance(data, dict):
            return _error(400, "body must be a JSON object")
        bot_id = data.get("bot_id")
        if not isinstance(bot_id, str) or bot_id not in self.bot_ids:
            return _error(404, "not found")
        text = data.get("text")
        if not isinstance(text, str) or not text:
            return _error(400, "text is required")
        if len(text) > MAX_TEXT_LENGTH:
            return _error(400, f"text is longer than {MAX_TEXT_LENGTH} characters")
        source_guid = data.get("source_guid")
        if source_guid is not None and not isinstance(source_guid, str):
            return _error(400, "source_guid must be a string")
        if source_guid is not None:
            if (bot_id, source_guid) in self._seen_guids:
                return web.Response(status=202)
            self._seen_guids.add((bot_id, source_guid))
        self.posts.append(data)
        return web.Response(status=202)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(error_envelope(status, message), status=status, headers=headers)
