"""A local fake of the Gemini API's ``generateContent`` and ``streamGenerateContent`` for tests.

Point google-genai at it with ``HttpOptions(base_url=fake.base_url, api_version="v1beta")``; the SDK
adds the version to the path, and both ``v1`` and ``v1beta`` are served. Each request pops one scripted
step (a text reply, function calls, a failure, a blocked prompt, a finish reason, a dropped connection, a
hang) from a FIFO queue.

Order of checks, as the real API does them: unknown path, version or method (404), the API key
(403 when missing, 400 when wrong), the body's JSON shape (400, camelCase and snake_case keys both
accepted), the conversation's history (400: thought signatures the fake issued must come back unchanged,
and every function-call turn needs a function-response turn answering each call), then the next
scripted step (500 when none is left, or when a scripted function call names a function the request
did not declare). A refused request is recorded but does not use up a step.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import enum
import itertools
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from tests.fakes.server import LocalServer

VERSIONS: Final = ("v1", "v1beta")
METHODS: Final = ("generateContent", "streamGenerateContent")
ROLES: Final = ("user", "model")

INVALID_KEY_MESSAGE: Final = "API key not valid. Please pass a valid API key."
MISSING_KEY_MESSAGE: Final = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
MISSING_SIGNATURE_MESSAGE: Final = "Function call is missing a thought_signature in functionCall parts."
CORRUPTED_SIGNATURE_MESSAGE: Final = "Corrupted thought signature."
RESPONSE_COUNT_MESSAGE: Final = (
    "Please ensure that the number of function response parts is equal to the number of function call "
    "parts of the function call turn."
)
RESPONSE_PLACEMENT_MESSAGE: Final = (
    "Please ensure that function response turn comes immediately after a function call turn."
)
NO_SCRIPTED_RESPONSE: Final = "no scripted response"

# The canonical google.rpc status and message the Gemini API pairs with each HTTP status.
STATUS_DEFAULTS: Final[Mapping[int, tuple[str, str]]] = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted"),
    500: ("INTERNAL", "An internal error has occurred."),
    503: ("UNAVAILABLE", "The model is overloaded."),
    504: ("DEADLINE_EXCEEDED", "Deadline expired before operation could complete."),
}
RETRY_INFO_TYPE: Final = "type.googleapis.com/google.rpc.RetryInfo"
STRUCT_TYPE: Final = "type.googleapis.com/google.protobuf.Struct"
# How often a hanging request looks whether its client has given up.
HANG_POLL_SECONDS: Final = 0.05

HARM_CATEGORIES: Final = (
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
)

# Fields each object may carry, camelCase; the snake_case spelling of each is accepted too.
REQUEST_FIELDS: Final = frozenset(
    {
        "contents",
        "systemInstruction",
        "tools",
        "toolConfig",
        "safetySettings",
        "generationConfig",
        "cachedContent",
        "model",
    }
)
CONTENT_FIELDS: Final = frozenset({"role", "parts"})
PART_DATA_FIELDS: Final = (
    "text",
    "inlineData",
    "functionCall",
    "functionResponse",
    "fileData",
    "executableCode",
    "codeExecutionResult",
)
PART_FIELDS: Final = frozenset(
    {*PART_DATA_FIELDS, "thought", "thoughtSignature", "videoMetadata", "mediaResolution", "partMetadata"}
)
FUNCTION_CALL_FIELDS: Final = frozenset({"id", "name", "args"})
FUNCTION_RESPONSE_FIELDS: Final = frozenset({"id", "name", "response", "parts", "willContinue", "scheduling"})
INLINE_DATA_FIELDS: Final = frozenset({"mimeType", "data", "displayName"})
DECLARATION_FIELDS: Final = frozenset(
    {
        "name",
        "description",
        "parameters",
        "parametersJsonSchema",
        "response",
        "responseJsonSchema",
        "behavior",
    }
)
SAFETY_SETTING_FIELDS: Final = frozenset({"category", "threshold", "method"})
FUNCTION_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")


class _Auto(enum.Enum):
    SIGNATURE = enum.auto()


AUTO_SIGNATURE: Final = _Auto.SIGNATURE
"""Default for ``thought_signature``: the fake issues ``b"sig-<n>"``, numbered in scripting order."""


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it, accepted or not; ``body`` is None when it was not JSON."""

    http_method: str
    path: str
    version: str
    model: str
    method: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any

    @property
    def stream(self) -> bool:
        return self.method == "streamGenerateContent"


@dataclass(frozen=True)
class ScriptedCall:
    """A function call the fake answers with; ``thought_signature`` None sends no signature."""

    name: str
    args: Mapping[str, Any]
    call_id: str | None = None
    thought_signature: bytes | None = None

    def part(self) -> dict[str, Any]:
        call: dict[str, Any] = {"name": self.name, "args": dict(self.args)}
        if self.call_id is not None:
            call["id"] = self.call_id
        part: dict[str, Any] = {"functionCall": call}
        if self.thought_signature is not None:
            part["thoughtSignature"] = base64.b64encode(self.thought_signature).decode("ascii")
        return part


@dataclass(frozen=True)
class _Candidate:
    """One candidate: text and/or function calls, or no content at all, with its finish reason."""

    text: str | None
    calls: tuple[ScriptedCall, ...]
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    finish_message: str | None = None
    safety_ratings: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class _BlockedPrompt:
    reason: str
    prompt_tokens: int


@dataclass(frozen=True)
class _Failure:
    status: int
    body: Mapping[str, Any]


@dataclass(frozen=True)
class _Drop:
    """Close the connection without a byte of response (the client sees ServerDisconnectedError)."""


@dataclass(frozen=True)
class _Hang:
    """Never answer; the request ends when the client gives up (or the fake closes)."""


_Step = _Candidate | _BlockedPrompt | _Failure | _Drop | _Hang


class GeminiRefusal(Exception):
    """A request the fake refuses, answered with Google's ``{"error":{code,message,status}}`` envelope."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _SignatureLedger:
    """The thought signatures the fake issued, by function call, so it can insist they come back."""

    issued: dict[tuple[str, str, str | None], set[bytes | None]] = field(default_factory=dict)

    def record(self, call: ScriptedCall) -> None:
        key = (call.name, _canonical(call.args), call.call_id)
        self.issued.setdefault(key, set()).add(call.thought_signature)

    def check(self, name: str, args: Any, call_id: Any, signature: bytes | None, position: int) -> None:
        allowed = self.issued.get((name, _canonical(args), call_id))
        if allowed is None or signature in allowed:
            return
        if signature is None:
            raise GeminiRefusal(
                400,
                f"{MISSING_SIGNATURE_MESSAGE} This is required for tools to work correctly, and missing "
                f"thought_signature may lead to degraded model performance. Additional data, function "
                f"call `default_api:{name}` , position {position}. Please refer to "
                "https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
            )
        raise GeminiRefusal(400, CORRUPTED_SIGNATURE_MESSAGE)


class FakeGemini(LocalServer):
    """``FakeGemini(api_key="fake-key")``; ``async with`` it, or ``await start()``/``close()``.

    ``base_url`` has no version: google-genai adds ``/v1beta`` or ``/v1`` itself.
    """

    def __init__(self, api_key: str = "fake-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self._steps: deque[_Step] = deque()
        self._delays: deque[float] = deque()
        # Every request waits this long before it is answered (the benchmark's model latency).
        self.latency = 0.0
        self._standing: Callable[[Any], str] | None = None
        self._hang_first: Callable[[str], bool] | None = None
        self._hung_texts: set[str] = set()
        # How many requests hang now (``hang_first``): a test can wait until its turns are stuck.
        self.hanging = 0
        self._signatures = _SignatureLedger()
        self._signature_numbers = itertools.count(1)
        self._response_numbers = itertools.count(1)

    # -- scripting ---------------------------------------------------------------------------------

    def reply_text(self, text: str, prompt_tokens: int = 20, completion_tokens: int = 8) -> None:
        """Answer with one text part and ``finishReason: STOP``; streamed as two chunks."""
        self._steps.append(_Candidate(text, (), "STOP", prompt_tokens, completion_tokens))

    def reply_function_call(
        self,
        name: str,
        args: Mapping[str, Any],
        call_id: str | None = None,
        thought_signature: bytes | _Auto | None = AUTO_SIGNATURE,
        prompt_tokens: int = 20,
        completion_tokens: int = 8,
    ) -> ScriptedCall:
        """Answer with one ``functionCall`` part; returns the call, with the signature it will carry."""
        calls = self.reply_function_calls(
            [(name, args, call_id)],
            thought_signature=thought_signature,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )
        return calls[0]

    def reply_function_calls(
        self,
        calls: Sequence[tuple[str, Mapping[str, Any]] | tuple[str, Mapping[str, Any], str | None]],
        thought_signature: bytes | _Auto | None = AUTO_SIGNATURE,
        prompt_tokens: int = 20,
        completion_tokens: int = 8,
    ) -> list[ScriptedCall]:
        """Answer with parallel function calls, ``(name, args)`` or ``(name, args, call_id)`` each.

        As Gemini 3 does, only the first call of the turn carries the thought signature.
        """
        if not calls:
            raise ValueError("script at least one function call")
        signature = (
            f"sig-{next(self._signature_numbers)}".encode()
            if thought_signature is AUTO_SIGNATURE
            else thought_signature
        )
        scripted = [
            ScriptedCall(
                name=call[0],
                args=dict(call[1]),
                call_id=call[2] if len(call) > 2 else None,
                thought_signature=signature if index == 0 else None,
            )
            for index, call in enumerate(calls)
        ]
        self._steps.append(_Candidate(None, tuple(scripted), "STOP", prompt_tokens, completion_tokens))
        return scripted

    def fail(
        self, status: int = 429, message: str | None = None, retry_delay: str | None = "2s", times: int = 1
    ) -> None:
        """Answer the next ``times`` requests with ``status`` and Google's error envelope.

        A 429 carries a ``google.rpc.RetryInfo`` detail with ``retry_delay`` unless it is None.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        body = _error_body(status, message)
        if status == 429 and retry_delay is not None:
            body["error"]["details"] = [{"@type": RETRY_INFO_TYPE, "retryDelay": retry_delay}]
        self._steps.extend(_Failure(status, body) for _ in range(times))

    def block_prompt(self, reason: str = "SAFETY", prompt_tokens: int = 20) -> None:
        """Answer with ``promptFeedback.blockReason`` and no candidates."""
        self._steps.append(_BlockedPrompt(reason, prompt_tokens))

    def safety_finish(
        self, category: str = "HARM_CATEGORY_DANGEROUS_CONTENT", prompt_tokens: int = 20
    ) -> None:
        """Answer with a candidate blocked for safety: ``finishReason: SAFETY``, ratings, no content."""
        self._steps.append(
            _Candidate(
                None, (), "SAFETY", prompt_tokens, 0, safety_ratings=tuple(_safety_ratings(blocked=category))
            )
        )

    def finish(
        self,
        reason: str,
        text: str | None = None,
        message: str | None = None,
        prompt_tokens: int = 20,
        completion_tokens: int = 0,
    ) -> None:
        """Answer with ``finishReason: reason``, e.g. ``MAX_TOKENS`` with partial ``text``.

        Without text the candidate has no content, as for ``MALFORMED_FUNCTION_CALL``; ``message`` is
        sent as ``finishMessage``.
        """
        self._steps.append(
            _Candidate(text, (), reason, prompt_tokens, completion_tokens, finish_message=message)
        )

    def drop_connection(self, times: int = 1) -> None:
        """Close the connection of the next ``times`` requests without sending any response."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self._steps.extend(_Drop() for _ in range(times))

    def hang(self, times: int = 1) -> None:
        """Leave the next ``times`` requests unanswered until the client gives up on them."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self._steps.extend(_Hang() for _ in range(times))

    def delay_next(self, seconds: float) -> None:
        """Wait ``seconds`` before answering the next request; the request is recorded at once."""
        self._delays.append(seconds)

    def hang_first(self, matching: Callable[[str], bool]) -> None:
        """The first request whose last user text ``matching`` accepts hangs until its client leaves.

        A later request with the same text (the retry of a turn) is answered as usual.
        """
        self._hang_first = matching

    def reply_always(self, text: str | Callable[[Any], str]) -> None:
        """Answer every request that finds the script empty with this text (or ``text(request body)``).

        For load, where nobody scripts each of thousands of turns; ``None`` would not be a reply.
        """
        self._standing = text if callable(text) else (lambda _body: text)

    # -- inspection --------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """How many requests arrived, refused ones included."""
        return len(self.requests)

    @property
    def pending(self) -> int:
        """How many scripted steps are still waiting for a request."""
        return len(self._steps)

    def last_body(self) -> Any:
        """The parsed JSON body of the latest request."""
        if not self.requests:
            raise LookupError("the fake has received no request")
        return self.requests[-1].body

    # -- lifecycle ---------------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._handle)

    # -- request handling --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = _parse_json(raw)
        version, model, method = _route(request.path)
        self.requests.append(
            RecordedRequest(
                http_method=request.method,
                path=request.path,
                version=version,
                model=model,
                method=method,
                query=dict(request.query),
                headers=CIMultiDictProxy(CIMultiDict(request.headers)),
                body=body,
            )
        )
        text = last_user_text(body)
        if self._hang_first is not None and self._hang_first(text) and text not in self._hung_texts:
            self._hung_texts.add(text)
            self.hanging += 1
            try:
                await self._wait_for_client_to_leave(request)
            finally:
                self.hanging -= 1
            _close_connection(request)
            return web.Response()  # never written: the connection is gone
        if self._delays:
            await self._pause(self._delays.popleft())
        if self.latency > 0:
            await self._pause(self.latency)
        try:
            if version not in VERSIONS or not model or method not in METHODS:
                raise GeminiRefusal(404, f"Method not found: {request.path}")
            if request.method != "POST":
                raise GeminiRefusal(404, f"{request.method} is not supported for {request.path}")
            self._authorize(request)
            if body is None:
                raise GeminiRefusal(400, "Invalid JSON payload received. Unexpected token.")
            declared = _check_request(body)
            self._check_signatures(body)
        except GeminiRefusal as refusal:
            return _error_response(refusal.status, refusal.message)

        if not self._steps and self._standing is not None:
            self.reply_text(self._standing(body))
        if not self._steps:
            return _error_response(500, NO_SCRIPTED_RESPONSE)
        step = self._steps.popleft()
        if isinstance(step, _Failure):
            return web.json_response(step.body, status=step.status)
        if isinstance(step, _Drop | _Hang):
            if isinstance(step, _Hang):
                await self._wait_for_client_to_leave(request)
            _close_connection(request)
            return web.Response()  # never written: the connection is gone
        undeclared = [call.name for call in _calls_of(step) if call.name not in declared]
        if undeclared:
            return _error_response(
                500, f"scripted function call {undeclared[0]!r} is not declared in the request's tools"
            )
        chunks = self._answer(step, model, stream=method == "streamGenerateContent")
        if method == "generateContent":
            return web.json_response(chunks[0])
        if request.query.get("alt") != "sse":
            return web.json_response(chunks)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for chunk in chunks:
            await response.write(f"data: {json.dumps(chunk)}\r\n\r\n".encode())
        await response.write_eof()
        return response

    async def _pause(self, seconds: float) -> None:
        # Wakes early when the fake closes, so shutting down never waits for a scripted delay.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)

    async def _wait_for_client_to_leave(self, request: web.Request) -> None:
        # aiohttp does not cancel a handler when its client goes away, so watch the connection.
        while not self._closing.is_set() and not _connection_closed(request):
            await self._pause(HANG_POLL_SECONDS)

    def _authorize(self, request: web.Request) -> None:
        key = request.headers.get("x-goog-api-key") or request.query.get("key")
        if not key:
            raise GeminiRefusal(403, MISSING_KEY_MESSAGE)
        if key != self.api_key:
            raise GeminiRefusal(400, INVALID_KEY_MESSAGE)

    def _check_signatures(self, body: Mapping[str, Any]) -> None:
        for position, content in enumerate(_field(body, "contents")):
            if _field(content, "role") != "model":
                continue
            for part in _field(content, "parts"):
                call = _field(part, "functionCall")
                if call is None:
                    continue
                signature = _field(part, "thoughtSignature")
                self._signatures.check(
                    _field(call, "name"),
                    _field(call, "args") or {},
                    _field(call, "id"),
                    None if signature is None else _decode_signature(signature),
                    position,
                )

    def _answer(self, step: _Candidate | _BlockedPrompt, model: str, *, stream: bool) -> list[dict[str, Any]]:
        """The response, or for a stream its chunks: each a whole GenerateContentResponse."""
        envelope = {"modelVersion": model, "responseId": f"fake-response-{next(self._response_numbers)}"}
        if isinstance(step, _BlockedPrompt):
            feedback = {"blockReason": step.reason, "safetyRatings": _safety_ratings(blocked=None)}
            return [{"promptFeedback": feedback, "usageMetadata": _usage(step.prompt_tokens, 0), **envelope}]
        for call in step.calls:
            self._signatures.record(call)
        pieces = [step.text] if step.text is not None else []
        if stream and step.text is not None and len(step.text) > 1 and not step.calls:
            cut = _split_point(step.text)
            pieces = [step.text[:cut], step.text[cut:]]
        chunks: list[dict[str, Any]] = []
        for index, piece in enumerate(pieces or [None]):
            last = index == max(len(pieces), 1) - 1
            parts = [] if piece is None else [{"text": piece}]
            if last:
                parts += [call.part() for call in step.calls]
            candidate: dict[str, Any] = {"index": 0}
            if parts:
                candidate["content"] = {"role": "model", "parts": parts}
            if last:
                candidate["finishReason"] = step.finish_reason
                if step.finish_message is not None:
                    candidate["finishMessage"] = step.finish_message
                if step.safety_ratings:
                    candidate["safetyRatings"] = [dict(rating) for rating in step.safety_ratings]
            completion = step.completion_tokens if last else step.completion_tokens // 2
            chunks.append(
                {
                    "candidates": [candidate],
                    "usageMetadata": _usage(step.prompt_tokens, completion),
                    **envelope,
                }
            )
        return chunks


def _connection_closed(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _close_connection(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.close()


def _calls_of(step: _Step) -> tuple[ScriptedCall, ...]:
    return step.calls if isinstance(step, _Candidate) else ()


# -- request checks --------------------------------------------------------------------------------


def _check_request(body: Any) -> set[str]:
    """Refuse a body the real API would refuse; return the declared function names."""
    _fields(body, "GenerateContentRequest", REQUEST_FIELDS)
    contents = _field(body, "contents")
    if not isinstance(contents, list) or not contents:
        raise GeminiRefusal(400, "* GenerateContentRequest.contents: contents is not specified")
    for index, content in enumerate(contents):
        _check_content(content, f"contents[{index}]", roles=ROLES)
    _check_turns(contents)
    system = _field(body, "systemInstruction")
    if system is not None:
        _check_content(system, "system_instruction", roles=(*ROLES, None))
    for name in ("generationConfig", "toolConfig"):
        value = _field(body, name)
        if value is not None and not isinstance(value, dict):
            raise GeminiRefusal(400, f"Invalid value at '{_snake(name)}': expected an object")
    for index, setting in enumerate(_list(body, "safetySettings")):
        _fields(setting, f"safety_settings[{index}]", SAFETY_SETTING_FIELDS)
    return _check_tools(_list(body, "tools"))


def _check_content(content: Any, where: str, *, roles: Iterable[str | None]) -> None:
    _fields(content, where, CONTENT_FIELDS)
    role = _field(content, "role")
    if role is not None and role not in roles:
        raise GeminiRefusal(400, "Please use a valid role: user, model.")
    parts = _field(content, "parts")
    if not isinstance(parts, list) or not parts:
        raise GeminiRefusal(400, f"* GenerateContentRequest.{where}.parts: contents.parts must not be empty.")
    for index, part in enumerate(parts):
        _check_part(part, f"{where}.parts[{index}]")


def _check_part(part: Any, where: str) -> None:
    fields = _fields(part, where, PART_FIELDS)
    data = [name for name in PART_DATA_FIELDS if name in fields]
    if not data:
        raise GeminiRefusal(
            400,
            f"* GenerateContentRequest.{where}.data: required oneof field 'data' must have one "
            "initialized field",
        )
    if len(data) > 1:
        raise GeminiRefusal(
            400, f"Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '{data[1]}'"
        )
    signature = fields.get("thoughtSignature")
    if signature is not None:
        _decode_signature(signature, where=f"{where}.thought_signature")
    if "text" in fields and not isinstance(fields["text"], str):
        raise GeminiRefusal(400, f"Invalid value at '{where}.text' (TYPE_STRING)")
    if "functionCall" in fields:
        call = _fields(fields["functionCall"], f"{where}.function_call", FUNCTION_CALL_FIELDS)
        _check_name(call.get("name"), f"{where}.function_call.name")
        if not isinstance(call.get("args", {}), dict):
            raise GeminiRefusal(
                400,
                f"Invalid value at '{where}.function_call.args' ({STRUCT_TYPE})",
            )
    if "functionResponse" in fields:
        reply = _fields(fields["functionResponse"], f"{where}.function_response", FUNCTION_RESPONSE_FIELDS)
        _check_name(reply.get("name"), f"{where}.function_response.name")
        if not isinstance(reply.get("response", {}), dict):
            raise GeminiRefusal(
                400,
                f"Invalid value at '{where}.function_response.response' ({STRUCT_TYPE})",
            )
    if "inlineData" in fields:
        blob = _fields(fields["inlineData"], f"{where}.inline_data", INLINE_DATA_FIELDS)
        if not blob.get("mimeType") or not isinstance(blob.get("data"), str):
            raise GeminiRefusal(
                400, f"* GenerateContentRequest.{where}.inline_data: mime_type and data are required"
            )
        _decode_signature(blob["data"], where=f"{where}.inline_data.data")


def _check_turns(contents: list[Any]) -> None:
    """Every model turn with function calls is answered by the next turn, one response per call."""
    waiting: list[Mapping[str, Any]] | None = None
    for content in contents:
        parts = _field(content, "parts")
        calls = [_field(part, "functionCall") for part in parts if _field(part, "functionCall") is not None]
        replies = [
            _field(part, "functionResponse") for part in parts if _field(part, "functionResponse") is not None
        ]
        role = _field(content, "role") or "user"
        if waiting is not None:
            if role != "user" or len(replies) != len(waiting):
                raise GeminiRefusal(400, RESPONSE_COUNT_MESSAGE)
            _match_replies(waiting, replies)
            waiting = None
        elif replies:
            raise GeminiRefusal(400, RESPONSE_PLACEMENT_MESSAGE)
        if role == "model" and calls:
            waiting = calls
    if waiting is not None:
        raise GeminiRefusal(400, RESPONSE_COUNT_MESSAGE)


def _match_replies(calls: list[Mapping[str, Any]], replies: list[Mapping[str, Any]]) -> None:
    unanswered = list(calls)
    for reply in replies:
        name, reply_id = _field(reply, "name"), _field(reply, "id")
        for call in unanswered:
            if _field(call, "name") == name and reply_id in (None, _field(call, "id")):
                unanswered.remove(call)
                break
        else:
            shown = name if reply_id is None else f"{name} (id {reply_id})"
            raise GeminiRefusal(
                400,
                f"Function response `{shown}` does not answer any function call of the function call turn.",
            )


def _check_tools(tools: list[Any]) -> set[str]:
    declared: set[str] = set()
    for tool_index, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise GeminiRefusal(400, f"Invalid value at 'tools[{tool_index}]': expected an object")
        for index, declaration in enumerate(_list(tool, "functionDeclarations")):
            where = f"tools[{tool_index}].function_declarations[{index}]"
            fields = _fields(declaration, where, DECLARATION_FIELDS)
            _check_name(fields.get("name"), f"{where}.name")
            if "parameters" in fields and "parametersJsonSchema" in fields:
                raise GeminiRefusal(
                    400,
                    f"* GenerateContentRequest.{where}: parameters and parameters_json_schema are "
                    "mutually exclusive",
                )
            for schema in ("parameters", "parametersJsonSchema"):
                if schema in fields and not isinstance(fields[schema], dict):
                    raise GeminiRefusal(
                        400, f"Invalid value at '{where}.{_snake(schema)}': expected an object"
                    )
            declared.add(fields["name"])
    return declared


def _check_name(name: Any, where: str) -> None:
    if not isinstance(name, str) or not FUNCTION_NAME.fullmatch(name):
        raise GeminiRefusal(
            400,
            f"* GenerateContentRequest.{where}: Invalid function name. Must start with a letter or an "
            "underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a "
            "maximum length of 64.",
        )


# -- JSON helpers ----------------------------------------------------------------------------------


def last_user_text(body: Any) -> str:
    """The text of the request's last user turn (what a standing reply may echo), or ""."""
    contents = _field(body, "contents") if isinstance(body, dict) else None
    for content in reversed(contents if isinstance(contents, list) else []):
        if isinstance(content, dict) and (_field(content, "role") or "user") == "user":
            parts = _field(content, "parts") or []
            texts = [_field(part, "text") for part in parts if isinstance(part, dict)]
            joined = " ".join(text for text in texts if isinstance(text, str))
            if joined:
                return joined
    return ""


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda match: match.group(1).upper(), name)


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda match: "_" + match.group(1).lower(), name)


def _fields(value: Any, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    """The object's fields under their camelCase names; refuses unknown and doubly spelled fields."""
    if not isinstance(value, dict):
        raise GeminiRefusal(400, f"Invalid value at '{where}': expected an object")
    fields: dict[str, Any] = {}
    for key, item in value.items():
        name = _camel(key)
        if name not in allowed:
            raise GeminiRefusal(
                400, f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field."
            )
        if name in fields:
            raise GeminiRefusal(400, f"Invalid JSON payload received. Field '{name}' set twice at '{where}'.")
        fields[name] = item
    return fields


def _field(value: Mapping[str, Any], name: str) -> Any:
    """A field by its camelCase name or its snake_case spelling."""
    if name in value:
        return value[name]
    return value.get(_snake(name))


def _list(value: Mapping[str, Any], name: str) -> list[Any]:
    items = _field(value, name)
    if items is None:
        return []
    if not isinstance(items, list):
        raise GeminiRefusal(400, f"Invalid value at '{_snake(name)}': expected a list")
    return items


def _decode_signature(value: Any, where: str = "thought_signature") -> bytes:
    # Protobuf JSON takes standard or URL-safe base64; google-genai sends the URL-safe form.
    if isinstance(value, str):
        text = value.replace("-", "+").replace("_", "/")
        with contextlib.suppress(binascii.Error, ValueError):
            return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    raise GeminiRefusal(400, f"Invalid value at '{where}' (TYPE_BYTES), Base64 decoding failed for {value!r}")


def _canonical(args: Any) -> str:
    return json.dumps(args, sort_keys=True, separators=(",", ":"))


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _route(path: str) -> tuple[str, str, str]:
    """``/v1beta/models/gemini-2.5-flash:generateContent`` -> version, model, method (blank if absent)."""
    segments = path.strip("/").split("/")
    if len(segments) != 3 or segments[1] != "models":
        return (segments[0] if segments else "", "", "")
    model, _, method = segments[2].rpartition(":")
    return segments[0], model, method


# -- response helpers ------------------------------------------------------------------------------


def _split_point(text: str) -> int:
    """Where a streamed text splits in two: after the last space before the middle, else the middle."""
    middle = len(text) // 2
    space = text.rfind(" ", 0, middle + 1)
    return space + 1 if 0 < space + 1 < len(text) else middle


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": completion_tokens,
        "totalTokenCount": prompt_tokens + completion_tokens,
    }


def _safety_ratings(blocked: str | None) -> list[dict[str, Any]]:
    """Ratings for every category; the blocked one (the first when None) is HIGH and ``blocked``."""
    blocked = blocked or HARM_CATEGORIES[0]
    ratings: list[dict[str, Any]] = []
    for category in dict.fromkeys((*HARM_CATEGORIES, blocked)):
        if category == blocked:
            ratings.append({"category": category, "probability": "HIGH", "blocked": True})
        else:
            ratings.append({"category": category, "probability": "NEGLIGIBLE"})
    return ratings


def _error_body(status: int, message: str | None) -> dict[str, Any]:
    grpc_status, default_message = STATUS_DEFAULTS.get(status, ("UNKNOWN", "Unknown error."))
    return {"error": {"code": status, "message": message or default_message, "status": grpc_status}}


def _error_response(status: int, message: str) -> web.Response:
    return web.json_response(_error_body(status, message), status=status)
