"""The runtime's own exceptions, and how any exception is described in stored errors and log lines.

An exception's message often quotes its input: a customer's words, an SQL statement with its values, a
token. ``describe_error`` gives the class and where in our code it was raised, and the message only for
the classes in ``SAFE_MESSAGES``, whose messages our code composes from safe parts.
"""

from __future__ import annotations

import functools
import types
from pathlib import Path

from adapters.base import AdapterError


class AdminError(Exception):
    """A request the operator must correct (unknown tenant, duplicate slug, missing field)."""


# Adapter errors are worded by the adapters from field names, status codes and the platform's own error
# text (as in "(#100) Param message[text] must be at most 2000 characters"), never from message content,
# credentials or SQL. Add a class here only when every message it can carry is like that.
SAFE_MESSAGES: tuple[type[BaseException], ...] = (AdapterError,)

MAX_MESSAGE_CHARS = 300

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_OUR_PACKAGES = frozenset({"adapters", "bot", "prompts", "storage"})


def describe_error(exc: BaseException) -> str:
    """``Class at package/module.py:line``, plus ``: message`` for the classes in ``SAFE_MESSAGES``."""
    text = type(exc).__name__
    where = raised_at(exc)
    if where is not None:
        text += f" at {where}"
    if isinstance(exc, SAFE_MESSAGES):
        message = " ".join(str(exc).split())
        if message:
            text += ": " + _shorten(message)
    return text


# A module that sets this global to True only passes calls through (a measuring wrapper): where an
# error was raised is the frame below it, or the one above it, never its own.
TRANSPARENT_MODULE = "_transparent_to_errors"


def raised_at(exc: BaseException) -> str | None:
    """``path:line`` of the innermost frame of our own packages the exception passed through, if any."""
    frames: list[tuple[types.FrameType, int]] = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    for frame, line in reversed(frames):
        if frame.f_globals.get(TRANSPARENT_MODULE) is True:
            continue
        path = _project_path(frame.f_code.co_filename)
        if path is not None:
            return f"{path}:{line}"
    return None


@functools.lru_cache(maxsize=512)
def _project_path(filename: str) -> str | None:
    try:
        relative = Path(filename).resolve().relative_to(_PROJECT_ROOT)
    except (ValueError, OSError):
        return None
    if not relative.parts or relative.parts[0] not in _OUR_PACKAGES:
        return None
    return relative.as_posix()


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"
