"""Knowledge-base files as text: parse CSV or JSON Lines into validated rows, one record at a time.

The CLI reads a file (bot/tenancy/knowledge_import.py opens it and names it in its errors); the admin API
reads the body of ``POST /knowledge/import``. Both go through ``parse_knowledge_text``, so a row is
accepted, refused and numbered the same way wherever it comes from. A problem with one row is a
``RowError`` naming its physical line; a problem with the whole file raises ``KnowledgeFileError``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

KnowledgeFormat = Literal["csv", "jsonl"]

MAX_QUESTION_CHARS = 1000
MAX_ANSWER_CHARS = 8000
MAX_KEYWORD_CHARS = 100

FORMAT_NAMES: dict[str, KnowledgeFormat] = {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl"}
_KNOWN_COLUMNS = ("question", "answer", "keywords", "category", "active")
_REQUIRED_COLUMNS = ("question", "answer")
_KEYWORD_SEPARATORS = re.compile(r"[;|,]")
_TRUE_WORDS = frozenset({"", "true", "yes", "1"})
_FALSE_WORDS = frozenset({"false", "no", "0"})
_JSON_TYPE_NAMES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}
NOT_UTF8 = "the file is not UTF-8 text; save it as UTF-8"


@dataclass(frozen=True)
class KnowledgeRow:
    line: int
    question: str
    answer: str
    keywords: tuple[str, ...]
    category: str | None
    active: bool


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class KnowledgeFileError(Exception):
    """The whole file cannot be imported; the message says why (the CLI adds the file's name)."""


class _BadRow(Exception):
    """Raised inside validation so each check can stop at the first problem of a row."""


def parse_knowledge_text(handle: Iterable[str], fmt: KnowledgeFormat) -> Iterator[KnowledgeRow | RowError]:
    """Yield one validated row or one error per record of ``handle`` (text lines, line ends kept).

    ``handle`` should be opened with ``newline=""`` (or be an ``io.StringIO(text, newline="")``) so that
    the csv module sees quoted line breaks untouched. Whole-file problems raise KnowledgeFileError.
    """
    if fmt == "csv":
        yield from _parse_csv(handle)
    else:
        yield from _parse_jsonl(handle)


def count_knowledge_records(handle: Iterable[str], fmt: KnowledgeFormat) -> int:
    """How many data records ``handle`` holds; reading it all surfaces every whole-file problem."""
    if fmt == "csv":
        records = _csv_records(handle)
        _read_header(records)
        return sum(1 for _ in records)
    return sum(1 for _ in _jsonl_lines(handle))


@contextmanager
def _utf8_only() -> Iterator[None]:
    """A text stream decoded from bytes fails where the bad bytes are; say so for the whole file."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise KnowledgeFileError(NOT_UTF8) from exc


def _is_blank(cells: Iterable[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _csv_records(handle: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield (first physical line, cells) for each non-blank CSV record, header included."""
    with _utf8_only():
        reader = csv.reader(handle)
        # line_num counts physical lines consumed so far, so a record starts one after the
        # previous record ended, however many quoted newlines it spans.
        previous_end = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise KnowledgeFileError(
                    f"line {previous_end + 1}: unreadable CSV ({exc}); check for an unbalanced quote"
                ) from exc
            start, previous_end = previous_end + 1, reader.line_num
            if not _is_blank(cells):
                yield start, cells


def _read_header(records: Iterator[tuple[int, list[str]]]) -> dict[str, int]:
    """Consume the header record and map each known column name to its cell index."""
    first = next(records, None)
    if first is None:
        raise KnowledgeFileError("the file is empty")
    _, cells = first
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = cell.strip().lower()
        if name in _KNOWN_COLUMNS:
            if name in columns:
                raise KnowledgeFileError(f"the header has more than one {name!r} column")
            columns[name] = index
    missing = [name for name in _REQUIRED_COLUMNS if name not in columns]
    if missing:
        names = " and ".join(repr(name) for name in missing)
        hint = ""
        if len(cells) == 1 and any(sep in cells[0] for sep in ";\t"):
            hint = "; the file seems to use a separator other than commas"
        raise KnowledgeFileError(f"the header row has no {names} column{hint}")
    return columns


def _parse_csv(handle: Iterable[str]) -> Iterator[KnowledgeRow | RowError]:
    records = _csv_records(handle)
    columns = _read_header(records)
    for line, cells in records:
        values = {name: cells[index] for name, index in columns.items() if index < len(cells)}
        try:
            yield KnowledgeRow(
                line=line,
                question=_required_text(values.get("question"), "question", MAX_QUESTION_CHARS),
                answer=_required_text(values.get("answer"), "answer", MAX_ANSWER_CHARS),
                keywords=_normalise_keywords(_split_keywords(values.get("keywords", ""))),
                category=_optional_text(values.get("category")),
                active=_parse_active(values.get("active", "")),
            )
        except _BadRow as problem:
            yield RowError(line, f"line {line}: {problem}")


def _jsonl_lines(handle: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Yield (physical line, text) for each non-blank line."""
    with _utf8_only():
        seen_any = False
        for line, text in enumerate(handle, start=1):
            if text.strip():
                seen_any = True
                yield line, text
        if not seen_any:
            raise KnowledgeFileError("the file is empty")


def _parse_jsonl(handle: Iterable[str]) -> Iterator[KnowledgeRow | RowError]:
    for line, text in _jsonl_lines(handle):
        try:
            yield _row_from_json(line, text)
        except _BadRow as problem:
            yield RowError(line, f"line {line}: {problem}")


def _row_from_json(line: int, text: str) -> KnowledgeRow:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadRow(f"invalid JSON: {exc.msg} at column {exc.colno}") from exc
    except RecursionError as exc:
        raise _BadRow("invalid JSON: nested too deeply") from exc
    except ValueError as exc:
        # json reports integers with thousands of digits this way rather than as a decode error.
        raise _BadRow(f"invalid JSON: {exc}") from exc
    if not isinstance(record, dict):
        raise _BadRow(f"expected a JSON object, got {_json_type(record)}")
    return KnowledgeRow(
        line=line,
        question=_required_text(_json_text(record, "question"), "question", MAX_QUESTION_CHARS),
        answer=_required_text(_json_text(record, "answer"), "answer", MAX_ANSWER_CHARS),
        keywords=_normalise_keywords(_json_keywords(record.get("keywords"))),
        category=_optional_text(_json_text(record, "category")),
        active=_json_active(record.get("active")),
    )


def _json_type(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _json_text(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _BadRow(f"{key!r} must be a string, not {_json_type(value)}")


def _json_keywords(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return _split_keywords(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _BadRow("'keywords' must be a list of strings or a delimited string")


def _json_active(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _parse_active(value)
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    raise _BadRow(f"invalid 'active' value {value!r} (use true or false)")


def _split_keywords(text: str) -> tuple[str, ...]:
    return tuple(_KEYWORD_SEPARATORS.split(text))


def _parse_active(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise _BadRow(f"invalid 'active' value {_preview(text)!r} (use true/false, yes/no or 1/0)")


def _normalise_keywords(raw: Iterable[str]) -> tuple[str, ...]:
    # Collapsing inner whitespace makes "cold  brew" and "Cold Brew" the same keyword.
    unique: dict[str, None] = {}
    for keyword in raw:
        cleaned = " ".join(keyword.split()).lower()
        if not cleaned:
            continue
        if len(cleaned) > MAX_KEYWORD_CHARS:
            raise _BadRow(f"keyword {_preview(cleaned)!r} longer than {MAX_KEYWORD_CHARS} characters")
        unique.setdefault(cleaned)
    return tuple(unique)


def _preview(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _required_text(value: str | None, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise _BadRow(f"missing {field!r}")
    if len(text) > limit:
        raise _BadRow(f"{field} longer than {limit} characters")
    return text


def _optional_text(value: str | None) -> str | None:
    return (value or "").strip() or None
