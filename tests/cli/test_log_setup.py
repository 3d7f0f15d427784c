"""The CLI's logging: tracebacks with frames and class names but no exception messages, one handler."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.cli.log_setup import configure_logging

# Data arrives at run time: no source line below quotes these values, so any copy in the log is a message.
SECRET = "Zora's address is 9 Larch Row"
ORDER = "A-17"
GROUP_TITLE = "two lookups failed"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    touched = [logging.getLogger(name) for name in ("sqlalchemy.engine", "aiosqlite", "httpcore", "httpx")]
    handlers, level, levels = list(root.handlers), root.level, [logger.level for logger in touched]
    captured = io.StringIO()
    configure_logging("DEBUG", captured)
    try:
        yield captured
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
        for logger, old in zip(touched, levels, strict=True):
            logger.setLevel(old)


def lookup(order: str) -> None:
    raise KeyError(f"no order {order} for {SECRET}")


def answer() -> None:
    try:
        lookup(ORDER)
    except KeyError as exc:
        raise RuntimeError(f"could not answer {SECRET}") from exc


def test_a_logged_traceback_shows_frames_and_classes_of_the_whole_chain_but_no_messages(
    stream: io.StringIO,
) -> None:
    try:
        try:
            answer()
        except RuntimeError:
            raise ValueError(SECRET)  # noqa: B904 - the implicit chain is what this test is about
    except ValueError:
        logging.getLogger("bot.test").exception("turn %s failed", 7)
    logged = stream.getvalue()
    assert "ERROR bot.test: turn 7 failed" in logged
    assert logged.count("Traceback (most recent call last):") == 3
    for frame in ("in lookup", "in answer", "in test_a_logged_traceback"):
        assert frame in logged
    for name in ("\nKeyError\n", "\nRuntimeError\n", "\nValueError\n"):
        assert name in logged
    assert "The above exception was the direct cause of the following exception:" in logged
    assert "During handling of the above exception, another exception occurred:" in logged
    assert "Larch" not in logged
    assert ORDER not in logged


def test_an_exception_group_lists_its_members_without_messages(stream: io.StringIO) -> None:
    try:
        raise ExceptionGroup(GROUP_TITLE, [ValueError(SECRET), OSError(SECRET)])
    except ExceptionGroup:
        logging.getLogger("bot.test").exception("both failed")
    logged = stream.getvalue()
    assert "ExceptionGroup" in logged
    assert "\n  | ValueError" in logged
    assert "\n  | OSError" in logged
    assert "Larch" not in logged
    assert GROUP_TITLE not in logged


def test_a_traceback_another_handler_rendered_first_is_not_reused(stream: io.StringIO) -> None:
    eager = logging.StreamHandler(io.StringIO())  # a plain formatter, which caches its rendering
    logger = logging.getLogger("bot.test.eager")
    logger.addHandler(eager)
    try:
        try:
            lookup(ORDER)
        except KeyError:
            logger.exception("lookup failed")
    finally:
        logger.removeHandler(eager)
    assert "lookup failed" in stream.getvalue()
    assert "Larch" not in stream.getvalue()


def test_configuring_twice_does_not_print_every_line_twice(stream: io.StringIO) -> None:
    configure_logging("INFO", stream)
    logging.getLogger("bot.test").info("once")
    assert stream.getvalue().count("once") == 1
