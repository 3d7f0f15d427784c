"""A local fake of the Graph API send endpoints for Messenger and WhatsApp that checks requests as Meta does.

``POST /{version}/{node_id}/messages`` is answered for Facebook Pages (Messenger Send API, sender actions)
and WhatsApp phone number ids (Cloud API messages, mark-as-read), with Graph's error envelope
``{"error":{"message","type","code","error_subcode"?,"error_data"?,"fbtrace_id"}}`` on every refusal.

Order of checks: unknown path or version (404), a scripted failure (message sends only), the access
token (190) and node (100), the body's shape and limits (100, or 131009 on WhatsApp for a value outside
its limits), then the messaging window (Messenger 10/2018278, WhatsApp 131047).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.fakes.server import LocalServer

MESSENGER_TEXT_LIMIT = 2000
QUICK_REPLY_LIMIT = 13
QUICK_REPLY_TITLE_LIMIT = 20
QUICK_REPLY_PAYLOAD_LIMIT = 1000
BUTTON_TEMPLATE_TEXT_LIMIT = 640
BUTTON_TEMPLATE_BUTTON_LIMIT = 3
SENDER_ACTIONS = ("typing_on", "typing_off", "mark_seen")
THREAD_CONTROL = ("pass_thread_control", "take_thread_control")
THREAD_METADATA_LENGTH = 1000
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")
MESSAGE_TAGS = ("HUMAN_AGENT", "ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE")
QUICK_REPLY_CONTENT_TYPES = ("text", "user_phone_number", "user_email")
ATTACHMENT_TYPES = ("image", "audio", "video", "file", "template")

WHATSAPP_TEXT_LIMIT = 4096
WHATSAPP_MESSAGE_TYPES = ("text", "interactive", "template")
INTERACTIVE_TYPES = ("button", "list")
BUTTON_BODY_LIMIT = 1024
LIST_BODY_LIMIT = 4096
REPLY_BUTTON_LIMIT = 3
REPLY_BUTTON_ID_LIMIT = 256
REPLY_BUTTON_TITLE_LIMIT = 20
LIST_BUTTON_LABEL_LIMIT = 20
LIST_SECTION_LIMIT = 10
LIST_ROW_LIMIT = 10
LIST_ROW_ID_LIMIT = 200
LIST_ROW_TITLE_LIMIT = 24

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)

UNEXPECTED_ERROR = "An unexpected error has occurred. Please retry your request later."
OUTSIDE_WINDOW = "(#10) This message is sent outside of allowed window."
OUTSIDE_WINDOW_SUBCODE = 2018278
REENGAGEMENT_CODE = 131047
REENGAGEMENT_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer last replied "
    "to this number."
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it, accepted or not; ``json`` is None when the body was not JSON."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    query: dict[str, str]


@dataclass
class _ScriptedFailure:
    http_status: int
    code: int
    subcode: int | None
    message: str
    retry_after: float | None
    remaining: int


class GraphRefusal(Exception):
    """A request the fake refuses, answered with Graph's error envelope."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        http_status: int = 400,
        subcode: int | None = None,
        details: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.subcode = subcode
        self.details = details


class _ParamFault(Exception):
    """A body parameter that is missing, mistyped or outside its limits; each platform words it its way."""

    def __init__(self, field: str, problem: str, *, out_of_range: bool = False) -> None:
        super().__init__(f"Param {field} {problem}")
        self.field = field
        self.problem = problem
        self.out_of_range = out_of_range

    def for_messenger(self) -> GraphRefusal:
        return GraphRefusal(100, f"(#100) Param {self.field} {self.problem}")

    def for_whatsapp(self) -> GraphRefusal:
        # Meta answers a value outside its limits with 131009 and a missing or mistyped one with 100.
        code, summary = (
            (131009, "Parameter value is not valid") if self.out_of_range else (100, "Invalid parameter")
        )
        details = f"Param {self.field} {self.problem}"
        return GraphRefusal(code, f"(#{code}) {summary}: {details}", details=details)


class FakeGraphAPI(LocalServer):
    """``FakeGraphAPI(pages={page_id: token}, phone_numbers={phone_number_id: token}, version="v25.0")``.

    ``async with`` it, or ``await start()`` (returns the base URL including the version) and ``close()``.
    Tests may set ``last_user_message[psid or wa_id]`` to emulate the messaging windows; naive datetimes
    are taken as UTC.
    """

    def __init__(
        self,
        pages: dict[str, str] | None = None,
        phone_numbers: dict[str, str] | None = None,
        version: str = "v25.0",
    ) -> None:
        self.pages = dict(pages or {})
        self.phone_numbers = dict(phone_numbers or {})
        super().__init__()
        self.version = version
        self.path_prefix = f"/{version}"
        self.requests: list[RecordedRequest] = []
        self.sent: list[dict[str, Any]] = []
        self.actions: list[dict[str, Any]] = []
        # Handover Protocol calls, in order: endpoint, psid, target_app_id (pass), metadata.
        self.thread_controls: list[dict[str, Any]] = []
        self.last_user_message: dict[str, datetime] = {}
        self._failures: deque[_ScriptedFailure] = deque()
        self._delays: deque[float] = deque()
        self._messenger_ids = itertools.count(1)
        self._whatsapp_ids = itertools.count(1)
        self._send_delays: deque[float] = deque()
        self._lost_answers = 0
        self._given_ids: deque[str] = deque()
        # The ids given to accepted message sends, in order (what the platform's echoes would carry).
        self.message_ids: list[str] = []
        self._trace_ids = itertools.count(1)

    # -- scripting ---------------------------------------------------------------------------------

    def fail_next(
        self,
        code: int | None = None,
        http_status: int = 400,
        subcode: int | None = None,
        times: int = 1,
        retry_after: float | None = None,
        message: str | None = None,
    ) -> None:
        """Refuse the next ``times`` message sends (not sender actions or mark-as-read) before any check.

        Without a code the envelope carries code 2, Graph's "unexpected error".
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if code is None:
            code, default_message = 2, UNEXPECTED_ERROR
        else:
            default_message = f"(#{code}) Scripted failure"
        self._failures.append(
            _ScriptedFailure(
                http_status=http_status,
                code=code,
                subcode=subcode,
                message=message if message is not None else default_message,
                retry_after=retry_after,
                remaining=times,
            )
        )

    def delay_next(self, seconds: float) -> None:
        """Wait ``seconds`` before answering the next request; the request is recorded at once."""
        self._delays.append(seconds)

    def delay_next_send(self, seconds: float) -> None:
        """Accept the next message send (not a sender action) only after ``seconds``."""
        self._send_delays.append(seconds)

    def lose_next_answers(self, times: int = 1) -> None:
        """Accept the next ``times`` message sends, then drop the connection instead of answering."""
        self._lost_answers += times

    def give_next_id(self, message_id: str) -> None:
        """Answer the next accepted message send with this message id (as if Meta reused one)."""
        self._given_ids.append(message_id)

    def _new_id(self, prefix: str, counter: itertools.count[int]) -> str:
        given = self._given_ids.popleft() if self._given_ids else f"{prefix}{next(counter)}"
        self.message_ids.append(given)
        return given

    def sent_to(self, recipient_id: str) -> list[dict[str, Any]]:
        """Accepted message bodies addressed to a PSID (``recipient.id``) or a WhatsApp ``to``, in order."""
        return [body for body in self.sent if _recipient_of(body) == recipient_id]

    # -- lifecycle ---------------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._handle)

    # -- request handling --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = _parse_json(raw)
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                headers=dict(request.headers),
                json=body,
                query=dict(request.query),
            )
        )
        if self._delays:
            await self._pause(self._delays.popleft())

        parts = request.path.strip("/").split("/")
        endpoints = ("messages", *THREAD_CONTROL)
        if (
            request.method != "POST"
            or len(parts) != 3
            or parts[0] != self.version
            or parts[2] not in endpoints
        ):
            return self._error_response(
                GraphRefusal(100, f"Unknown path components: {request.path}", http_status=404)
            )
        node_id = parts[1]

        if not _is_action(body) and self._failures:
            return self._scripted_failure()

        is_whatsapp = False
        try:
            node_id = self._authorize(request, node_id)
            is_whatsapp = node_id in self.phone_numbers
            if request.content_type != "application/json" or not isinstance(body, dict):
                raise GraphRefusal(100, "(#100) The request body must be a JSON object (application/json)")
            try:
                if parts[2] in THREAD_CONTROL:
                    if is_whatsapp:
                        raise GraphRefusal(100, f"Unknown path components: {request.path}", http_status=404)
                    return self._thread_control(parts[2], body)
                response = self._whatsapp(body) if is_whatsapp else self._messenger(body)
            except _ParamFault as fault:
                raise fault.for_whatsapp() if is_whatsapp else fault.for_messenger() from None
        except GraphRefusal as refusal:
            return self._error_response(refusal, whatsapp=is_whatsapp)
        if _is_action(body) or response.status != 200:
            return response
        if self._send_delays:
            await self._pause(self._send_delays.popleft())
        if self._lost_answers:
            self._lost_answers -= 1
            # The message is accepted (recorded above) but its answer never reaches the sender.
            assert request.transport is not None
            request.transport.close()
        return response

    async def _pause(self, seconds: float) -> None:
        # Wakes early when the fake closes, so shutting down never waits for a scripted delay.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)

    def _authorize(self, request: web.Request, node_id: str) -> str:
        """Return the node the token may post for, or refuse as Graph does (190 token, 100 node)."""
        header = request.headers.get("Authorization")
        if header is not None:
            scheme, _, credential = header.partition(" ")
            token = credential.strip() if scheme.lower() == "bearer" else ""
        else:
            token = request.query.get("access_token", "")
        known_tokens = {*self.pages.values(), *self.phone_numbers.values()}
        if not token or token not in known_tokens:
            raise _invalid_token()
        if node_id == "me":
            for page_id, page_token in self.pages.items():
                if page_token == token:
                    return page_id
            raise _invalid_token()
        expected = self.pages.get(node_id, self.phone_numbers.get(node_id))
        if expected is None:
            raise GraphRefusal(
                100,
                f"Unsupported post request. Object with ID '{node_id}' does not exist, cannot be loaded "
                "due to missing permissions, or does not support this operation.",
            )
        if token != expected:
            raise _invalid_token()
        return node_id

    def _scripted_failure(self) -> web.Response:
        failure = self._failures[0]
        failure.remaining -= 1
        if failure.remaining == 0:
            self._failures.popleft()
        headers = (
            None if failure.retry_after is None else {"Retry-After": _header_number(failure.retry_after)}
        )
        refusal = GraphRefusal(
            failure.code, failure.message, http_status=failure.http_status, subcode=failure.subcode
        )
        return self._error_response(refusal, headers=headers)

    def _error_response(
        self,
        refusal: GraphRefusal,
        *,
        whatsapp: bool = False,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        error: dict[str, Any] = {"message": refusal.message, "type": "OAuthException", "code": refusal.code}
        if refusal.subcode is not None:
            error["error_subcode"] = refusal.subcode
        if whatsapp and refusal.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": refusal.details}
        error["fbtrace_id"] = f"FakeTrace{next(self._trace_ids):06d}"
        return web.json_response({"error": error}, status=refusal.http_status, headers=headers)

    # -- Messenger -----------------------------------------------------------------------------------

    def _thread_control(self, endpoint: str, body: dict[str, Any]) -> web.Response:
        """Handover Protocol: pass control to another app (its id required) or take it back."""
        psid = _string(_object(body.get("recipient"), "recipient").get("id"), "recipient[id]")
        record: dict[str, Any] = {"endpoint": endpoint, "psid": psid}
        if endpoint == "pass_thread_control":
            target = body.get("target_app_id")
            if isinstance(target, bool) or not isinstance(target, int | str) or not str(target).isdigit():
                raise _ParamFault("target_app_id", "must be a valid app id")
            record["target_app_id"] = str(target)
        metadata = body.get("metadata")
        if metadata is not None:
            if not isinstance(metadata, str) or len(metadata) > THREAD_METADATA_LENGTH:
                raise _ParamFault(
                    "metadata", f"must be a string of at most {THREAD_METADATA_LENGTH} characters"
                )
            record["metadata"] = metadata
        self.thread_controls.append(record)
        return web.json_response({"success": True})

    def _messenger(self, body: dict[str, Any]) -> web.Response:
        recipient = _object(body.get("recipient"), "recipient")
        psid = _string(recipient.get("id"), "recipient[id]")
        if "sender_action" in body:
            if "message" in body:
                raise _ParamFault("sender_action", "cannot be sent together with message in one request")
            _choice(body["sender_action"], "sender_action", SENDER_ACTIONS)
            self.actions.append(body)
            return web.json_response({"recipient_id": psid})

        messaging_type = _choice(body.get("messaging_type"), "messaging_type", MESSAGING_TYPES)
        tag = body.get("tag")
        if messaging_type == "MESSAGE_TAG":
            tag = _choice(tag, "tag", MESSAGE_TAGS)
        elif tag is not None:
            raise _ParamFault("tag", "is only allowed when messaging_type is MESSAGE_TAG")
        _check_messenger_message(_object(body.get("message"), "message"))

        if messaging_type != "MESSAGE_TAG":
            allowed: timedelta | None = STANDARD_WINDOW
        else:
            allowed = HUMAN_AGENT_WINDOW if tag == "HUMAN_AGENT" else None
        if allowed is not None and self._outside_window(psid, allowed):
            raise GraphRefusal(10, OUTSIDE_WINDOW, subcode=OUTSIDE_WINDOW_SUBCODE)

        self.sent.append(body)
        return web.json_response(
            {"recipient_id": psid, "message_id": self._new_id("m_", self._messenger_ids)}
        )

    # -- WhatsApp ------------------------------------------------------------------------------------

    def _whatsapp(self, body: dict[str, Any]) -> web.Response:
        _choice(body.get("messaging_product"), "messaging_product", ("whatsapp",))
        if "status" in body:
            _choice(body["status"], "status", ("read",))
            _string(body.get("message_id"), "message_id")
            if "typing_indicator" in body:
                indicator = _object(body["typing_indicator"], "typing_indicator")
                _choice(indicator.get("type"), "typing_indicator[type]", ("text",))
            self.actions.append(body)
            return web.json_response({"success": True})

        to = _string(body.get("to"), "to")
        kind = _choice(body.get("type"), "type", WHATSAPP_MESSAGE_TYPES)
        if "context" in body:
            _string(_object(body["context"], "context").get("message_id"), "context[message_id]")
        if kind == "text":
            _check_whatsapp_text(_object(body.get("text"), "text"))
        elif kind == "interactive":
            _check_interactive(_object(body.get("interactive"), "interactive"))
        else:
            _check_template(_object(body.get("template"), "template"))

        if kind != "template" and self._outside_window(to, STANDARD_WINDOW):
            raise GraphRefusal(
                REENGAGEMENT_CODE,
                f"(#{REENGAGEMENT_CODE}) Re-engagement message",
                details=REENGAGEMENT_DETAILS,
            )

        self.sent.append(body)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": self._new_id("wamid.", self._whatsapp_ids)}],
            }
        )

    def _outside_window(self, user_id: str, allowed: timedelta) -> bool:
        last = self.last_user_message.get(user_id)
        if last is None:
            return False
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return datetime.now(UTC) - last > allowed


# -- body checks -------------------------------------------------------------------------------------


def _check_messenger_message(message: dict[str, Any]) -> None:
    if ("text" in message) == ("attachment" in message):
        raise _ParamFault("message", "must contain exactly one of text or attachment")
    if "text" in message:
        _string(message["text"], "message[text]", limit=MESSENGER_TEXT_LIMIT)
    else:
        _check_attachment(_object(message["attachment"], "message[attachment]"))
    if "quick_replies" in message:
        replies = _items(message["quick_replies"], "message[quick_replies]", least=0, most=QUICK_REPLY_LIMIT)
        for index, raw in enumerate(replies):
            name = f"message[quick_replies][{index}]"
            reply = _object(raw, name)
            kind = _choice(reply.get("content_type"), f"{name}[content_type]", QUICK_REPLY_CONTENT_TYPES)
            if kind == "text":
                _string(reply.get("title"), f"{name}[title]", limit=QUICK_REPLY_TITLE_LIMIT)
                _string(reply.get("payload"), f"{name}[payload]", limit=QUICK_REPLY_PAYLOAD_LIMIT)
            if "image_url" in reply:
                _string(reply["image_url"], f"{name}[image_url]")


def _check_attachment(attachment: dict[str, Any]) -> None:
    name = "message[attachment]"
    kind = _choice(attachment.get("type"), f"{name}[type]", ATTACHMENT_TYPES)
    payload = _object(attachment.get("payload"), f"{name}[payload]")
    if kind == "template" and payload.get("template_type") == "button":
        _string(payload.get("text"), f"{name}[payload][text]", limit=BUTTON_TEMPLATE_TEXT_LIMIT)
        _items(
            payload.get("buttons"), f"{name}[payload][buttons]", least=1, most=BUTTON_TEMPLATE_BUTTON_LIMIT
        )


def _check_whatsapp_text(text: dict[str, Any]) -> None:
    _string(text.get("body"), "text[body]", limit=WHATSAPP_TEXT_LIMIT)
    if "preview_url" in text and not isinstance(text["preview_url"], bool):
        raise _ParamFault("text[preview_url]", "must be a boolean")


def _check_interactive(interactive: dict[str, Any]) -> None:
    kind = _choice(interactive.get("type"), "interactive[type]", INTERACTIVE_TYPES)
    body = _object(interactive.get("body"), "interactive[body]")
    action = _object(interactive.get("action"), "interactive[action]")
    if kind == "button":
        _string(body.get("text"), "interactive[body][text]", limit=BUTTON_BODY_LIMIT)
        _check_reply_buttons(action)
    else:
        _string(body.get("text"), "interactive[body][text]", limit=LIST_BODY_LIMIT)
        _check_list_action(action)


def _check_reply_buttons(action: dict[str, Any]) -> None:
    buttons = _items(action.get("buttons"), "interactive[action][buttons]", least=1, most=REPLY_BUTTON_LIMIT)
    seen: set[str] = set()
    for index, raw in enumerate(buttons):
        name = f"interactive[action][buttons][{index}]"
        button = _object(raw, name)
        _choice(button.get("type"), f"{name}[type]", ("reply",))
        reply = _object(button.get("reply"), f"{name}[reply]")
        button_id = _string(reply.get("id"), f"{name}[reply][id]", limit=REPLY_BUTTON_ID_LIMIT)
        _string(reply.get("title"), f"{name}[reply][title]", limit=REPLY_BUTTON_TITLE_LIMIT)
        if button_id in seen:
            raise _ParamFault(f"{name}[reply][id]", "must be unique among the buttons", out_of_range=True)
        seen.add(button_id)


def _check_list_action(action: dict[str, Any]) -> None:
    _string(action.get("button"), "interactive[action][button]", limit=LIST_BUTTON_LABEL_LIMIT)
    sections = _items(
        action.get("sections"), "interactive[action][sections]", least=1, most=LIST_SECTION_LIMIT
    )
    rows_by_section: list[tuple[str, list[Any]]] = []
    for section_index, raw_section in enumerate(sections):
        section_name = f"interactive[action][sections][{section_index}]"
        section = _object(raw_section, section_name)
        rows = _items(section.get("rows"), f"{section_name}[rows]", least=1, most=LIST_ROW_LIMIT)
        rows_by_section.append((section_name, rows))
    if sum(len(rows) for _, rows in rows_by_section) > LIST_ROW_LIMIT:
        raise _ParamFault(
            "interactive[action][sections]",
            f"must hold at most {LIST_ROW_LIMIT} rows in all",
            out_of_range=True,
        )
    seen: set[str] = set()
    for section_name, rows in rows_by_section:
        for row_index, raw_row in enumerate(rows):
            name = f"{section_name}[rows][{row_index}]"
            row = _object(raw_row, name)
            row_id = _string(row.get("id"), f"{name}[id]", limit=LIST_ROW_ID_LIMIT)
            _string(row.get("title"), f"{name}[title]", limit=LIST_ROW_TITLE_LIMIT)
            if row_id in seen:
                raise _ParamFault(f"{name}[id]", "must be unique among the rows", out_of_range=True)
            seen.add(row_id)


def _check_template(template: dict[str, Any]) -> None:
    _string(template.get("name"), "template[name]")
    language = _object(template.get("language"), "template[language]")
    _string(language.get("code"), "template[language][code]")
    if "components" in template:
        _items(template["components"], "template[components]", least=0, most=None)


# -- small validators ------------------------------------------------------------------------------


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        raise _ParamFault(name, "is required")
    if not isinstance(value, dict):
        raise _ParamFault(name, "must be an object")
    return value


def _string(value: Any, name: str, *, limit: int | None = None) -> str:
    if value is None:
        raise _ParamFault(name, "is required")
    if not isinstance(value, str):
        raise _ParamFault(name, "must be a string")
    if not value:
        raise _ParamFault(name, "must be a non-empty string", out_of_range=True)
    if limit is not None and len(value) > limit:
        raise _ParamFault(name, f"must be at most {limit} characters", out_of_range=True)
    return value


def _choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if value is None:
        raise _ParamFault(name, "is required")
    if not isinstance(value, str) or value not in choices:
        raise _ParamFault(name, f"must be one of {', '.join(choices)}", out_of_range=True)
    return value


def _items(value: Any, name: str, *, least: int, most: int | None) -> list[Any]:
    if value is None:
        raise _ParamFault(name, "is required")
    if not isinstance(value, list):
        raise _ParamFault(name, "must be an array")
    if len(value) < least:
        raise _ParamFault(name, f"must contain at least {least} item(s)", out_of_range=True)
    if most is not None and len(value) > most:
        raise _ParamFault(name, f"must contain at most {most} items", out_of_range=True)
    return value


# -- helpers -----------------------------------------------------------------------------------------


def _invalid_token() -> GraphRefusal:
    return GraphRefusal(190, "Invalid OAuth access token.")


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _is_action(body: Any) -> bool:
    """A Messenger sender action or a WhatsApp mark-as-read, which scripted failures leave alone."""
    return isinstance(body, dict) and ("sender_action" in body or "status" in body)


def _recipient_of(body: dict[str, Any]) -> Any:
    recipient = body.get("recipient")
    if isinstance(recipient, dict):
        return recipient.get("id")
    return body.get("to")


def _header_number(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)
