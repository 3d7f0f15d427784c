"""The process's logging: one handler whose tracebacks show where an error was raised, never its message.

A traceback's last line is ``str(exc)``, which may quote a customer's words or an SQL statement with its
values; here every exception of the chain is printed with its frames and class name only. Libraries
that would print values, rows, headers or URLs are held at a level where they do not.

Two formats (``CHATBOT_LOG_FORMAT``): ``text``, one readable line per record, and ``json``, one JSON
object per line with ``time``, ``level``, ``logger``, ``message``, ``pid`` and the ids bound where the
record was made (``request_id``, ``tenant_id``, ``event_id``, ``conversation_id``; see
``bot.observability.log_context``), plus ``traceback`` when there is one.
"""

from __future__ import annotations

import datetime
import json
import logging
import traceback
from types import TracebackType
from typing import Any, Literal, TextIO

from bot.observability.log_context import current_ids

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

CAUSE = "The above exception was the direct cause of the following exception:"
CONTEXT = "During handling of the above exception, another exception occurred:"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class TracebackWithoutMessages(logging.Formatter):
    """Formats records as usual, but tracebacks carry frames and class names, no exception messages."""

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached its own rendering of the traceback on the record; never print it.
        cached = record.exc_text
        record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: ExcInfo) -> str:
        exc = ei[1]
        if exc is None:
            return ""
        return "\n".join(traceback_lines(exc))


class JsonLines(TracebackWithoutMessages):
    """One JSON object per record, on one line; only the fields named in the module's docstring."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
            **current_ids(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            line["traceback"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


def traceback_lines(exc: BaseException, _seen: set[int] | None = None) -> list[str]:
    """The traceback of ``exc`` and the exceptions chained to it, each ending in its class name alone."""
    seen = _seen if _seen is not None else set()
    seen.add(id(exc))
    lines: list[str] = []
    context = None if exc.__suppress_context__ else exc.__context__
    if exc.__cause__ is not None and id(exc.__cause__) not in seen:
        lines += [*traceback_lines(exc.__cause__, seen), "", CAUSE, ""]
    elif context is not None and id(context) not in seen:
        lines += [*traceback_lines(context, seen), "", CONTEXT, ""]
    if exc.__traceback__ is not None:
        lines.append("Traceback (most recent call last):")
        for entry in traceback.format_list(traceback.extract_tb(exc.__traceback__)):
            lines += entry.rstrip("\n").split("\n")
    lines.append(_class_name(type(exc)))
    if isinstance(exc, BaseExceptionGroup):
        for number, inner in enumerate(exc.exceptions, start=1):
            lines.append(f"  +-- {number} of {len(exc.exceptions)}")
            lines += [f"  | {line}" for line in traceback_lines(inner, seen)]
    return lines


def _class_name(cls: type[BaseException]) -> str:
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", "__main__") else f"{module}.{cls.__qualname__}"


# Libraries that print what must stay out of logs, held at a level where they do not:
# aiosqlite logs every call with its arguments at DEBUG; httpcore the response headers at DEBUG; httpx
# every request URL, query string included, at INFO. (SQLAlchemy: see configure_logging.) And one that
# is merely chatty: matplotlib narrates its font cache at INFO under `chatbot report --chart`.
_HELD_LIBRARIES = {
    "aiosqlite": logging.INFO,
    "httpcore": logging.INFO,
    "httpx": logging.WARNING,
    "matplotlib": logging.WARNING,
}


class _ProcessHandler(logging.StreamHandler[TextIO]):
    """The handler ``configure_logging`` installs, so calling it again replaces it instead of adding one."""


def configure_logging(
    level: str | int, stream: TextIO | None = None, log_format: Literal["text", "json"] = "text"
) -> logging.Handler:
    """Log ``level`` and above to ``stream`` (stderr by default), as text lines or JSON lines.

    At DEBUG, SQLAlchemy's statements are logged too (their values are hidden by the engine).
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _ProcessHandler)]:
        root.removeHandler(old)
        old.close()
    handler = _ProcessHandler(stream)
    handler.setFormatter(JsonLines() if log_format == "json" else TracebackWithoutMessages(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    # SQLAlchemy logs result rows at DEBUG (hide_parameters hides only the statements' values); at INFO
    # it logs the statements with their values hidden, which DEBUG shows.
    debug = root.getEffectiveLevel() <= logging.DEBUG
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO if debug else logging.WARNING)
    for name, floor in _HELD_LIBRARIES.items():
        logging.getLogger(name).setLevel(floor)
    return handler
