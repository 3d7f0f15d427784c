"""Typed tools the LLM may call in a turn: a registry that validates, runs and records every call.

A tool never does I/O of its own. It reads the turn (tenant, conversation and customer come only from
there, never from the model's arguments), searches the tenant-scoped knowledge base, and writes what
it decided into the turn's ``TurnEffects``; the runtime stores those with the turn. The built-in
tools and their default registry are in ``bot.engine.builtin_tools``.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

from bot.engine.types import KnowledgeBase, LeadChange, ToolCallRecord, TrackedLinkRequest, Turn

__all__ = ["Tool", "ToolArgumentError", "ToolContext", "ToolRegistry", "TurnEffects"]

logger = logging.getLogger(__name__)

# Error texts go back to the model and into tool_calls.error: enough to correct a call, never a dump.
MAX_ERROR_CHARS = 300
MAX_QUOTED_VALUE_CHARS = 60
# tool_calls.tool is String(64); Gemini allows names of at most 64 characters too.
MAX_TOOL_NAME_CHARS = 64
# A model can send an argument of any size; the stored copy is bounded so one call cannot bloat the row.
MAX_RECORDED_ARGUMENT_CHARS = 4000

_TOOL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}\Z")
# RFC 3986 characters only: a URI, not an IRI, so the link works unchanged in a Location header.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*\Z")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class ToolArgumentError(ValueError):
    """Raised by a tool for arguments that pass the schema but that the tool still refuses."""


@dataclass
class TurnEffects:
    """What the turn's tool calls decided, collected for the runtime instead of written anywhere."""

    handoff_reason: str | None = None
    lead_changes: list[LeadChange] = field(default_factory=list)
    tracked_links: list[TrackedLinkRequest] = field(default_factory=list)
    calls: list[ToolCallRecord] = field(default_factory=list)
    knowledge_entry_ids: list[int] = field(default_factory=list)


def _new_token() -> str:
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class ToolContext:
    """Everything a tool may use. The knowledge base is already scoped to ``turn.tenant_id``."""

    turn: Turn
    knowledge: KnowledgeBase
    effects: TurnEffects
    public_url: str
    new_token: Callable[[], str] = _new_token


ToolFunction = Callable[[Mapping[str, Any], "ToolContext"], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: Mapping[str, Any]  # a JSON Schema object with additionalProperties: false
    call: ToolFunction


# --- the registry -----------------------------------------------------------------------------------


def _is_uri(instance: object) -> bool:
    if not isinstance(instance, str):
        return True  # "format" only constrains strings
    if not _URI.match(instance) or _BAD_PERCENT.search(instance):
        return False
    try:
        _ = urlsplit(instance).port  # reading the port is what rejects "http://shop:99999/"
    except ValueError:
        return False
    return True


def _format_checker() -> Any:
    # jsonschema only checks "uri" when the optional rfc3987 package is installed; the check here
    # does not depend on what happens to be installed.
    checker = FormatChecker()
    checker.checks("uri")(_is_uri)
    return checker


@dataclass(frozen=True)
class _Outcome:
    result: dict[str, Any]
    error: str | None = None  # None when the call succeeded


class ToolRegistry:
    """Tools by name; each bot enables a subset, and only those are declared to or run for the model."""

    def __init__(self, tools: Iterable[Tool], *, clock: Callable[[], float] = time.monotonic) -> None:
        checker = _format_checker()
        self._clock = clock
        self._tools: dict[str, Tool] = {}
        self._validators: dict[str, Any] = {}
        for tool in tools:
            if not _TOOL_NAME.match(tool.name):
                raise ValueError(f"invalid tool name {tool.name!r}")
            if tool.name in self._tools:
                raise ValueError(f"tool {tool.name!r} is registered twice")
            Draft202012Validator.check_schema(tool.parameters)
            self._tools[tool.name] = tool
            self._validators[tool.name] = Draft202012Validator(tool.parameters, format_checker=checker)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._tools)

    def declarations(self, enabled: Sequence[str]) -> list[dict[str, Any]]:
        """Function declarations for the enabled tools, in registry order; unknown names are ignored."""
        wanted = set(enabled)
        return [
            {
                "name": tool.name,
                "description": tool.description,
                "parameters_json_schema": copy.deepcopy(dict(tool.parameters)),
            }
            for tool in self._tools.values()
            if tool.name in wanted
        ]

    async def execute(
        self, name: str, arguments: object, ctx: ToolContext, enabled: Sequence[str]
    ) -> dict[str, Any]:
        """Run one call from the model. Always returns a result for the model and records the call."""
        started = self._clock()
        outcome = await self._run(name, arguments, ctx, enabled)
        duration_ms = max(0, round((self._clock() - started) * 1000))
        ctx.effects.calls.append(
            ToolCallRecord(
                tool=_recorded_name(name),
                arguments=_recorded_arguments(arguments),
                result=outcome.result,
                success=outcome.error is None,
                duration_ms=duration_ms,
                error=outcome.error,
            )
        )
        # A copy, so whatever the caller does with the answer cannot change the record.
        return copy.deepcopy(outcome.result)

    async def _run(self, name: str, arguments: object, ctx: ToolContext, enabled: Sequence[str]) -> _Outcome:
        if not isinstance(name, str) or name not in self._tools or name not in enabled:
            return _failure(f"unknown tool {_recorded_name(name)!r}")
        tool = self._tools[name]
        invalid = self._invalid_arguments(name, arguments, ctx)
        if invalid is not None:
            return _failure(f"invalid arguments: {invalid}")
        assert isinstance(arguments, Mapping)  # _invalid_arguments refuses anything else
        try:
            result = await tool.call(dict(arguments), ctx)
        except ToolArgumentError as exc:
            return _failure(f"invalid arguments: {exc}")
        except Exception as exc:
            logger.exception(
                "tool %s failed (tenant %s, conversation %s)",
                name,
                ctx.turn.tenant_id,
                ctx.turn.conversation.conversation_id,
            )
            detail = _shorten(f"{type(exc).__name__}: {exc}")
            return _Outcome({"error": f"tool failed: {type(exc).__name__}"}, error=detail)
        plain = _json_object(result)
        if plain is None:
            logger.error("tool %s returned a result that is not a JSON object: %.200r", name, result)
            return _failure("tool failed: invalid result")
        return _Outcome(plain)

    def _invalid_arguments(self, name: str, arguments: object, ctx: ToolContext) -> str | None:
        if not isinstance(arguments, Mapping):
            return f"expected a JSON object, got {type(arguments).__name__}"
        try:
            error = best_match(self._validators[name].iter_errors(dict(arguments)))
        except Exception:
            # Validation itself should never fail; if it does, the call is refused, not run unchecked.
            logger.exception("validating arguments for %s failed (tenant %s)", name, ctx.turn.tenant_id)
            return "could not be validated"
        if error is None:
            return None
        where = "/".join(str(part) for part in error.absolute_path)
        message = _without_long_values(error.message, error.instance)
        return _shorten(f"{where}: {message}" if where else message)


def _failure(message: str) -> _Outcome:
    return _Outcome({"error": message}, error=message)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _without_long_values(message: str, instance: object) -> str:
    # jsonschema quotes the offending value whole; a 2,000-character URL would push out what was wrong.
    quoted = repr(instance)
    if len(quoted) <= MAX_QUOTED_VALUE_CHARS:
        return message
    return message.replace(quoted, quoted[: MAX_QUOTED_VALUE_CHARS - 1] + "…", 1)


def _recorded_name(name: object) -> str:
    text = name if isinstance(name, str) else repr(name)
    return text[:MAX_TOOL_NAME_CHARS]


def _json_object(value: object) -> dict[str, Any] | None:
    """``value`` as a plain JSON object (a fresh copy), or None if it is not one."""
    if not isinstance(value, Mapping):
        return None
    try:
        loaded = json.loads(json.dumps(dict(value), allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _recorded_arguments(arguments: object) -> dict[str, Any]:
    """The arguments as the model sent them, as a JSON object that fits in ``tool_calls.arguments``."""
    plain = _json_object(arguments)
    if plain is not None and len(json.dumps(plain)) <= MAX_RECORDED_ARGUMENT_CHARS:
        return plain
    try:
        text = repr(arguments)
    except Exception:  # a repr that raises still must not lose the record
        logger.exception("could not represent tool arguments")
        text = f"<{type(arguments).__name__}>"
    return {"_raw": text[:MAX_RECORDED_ARGUMENT_CHARS]}
