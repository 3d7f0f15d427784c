"""Knowledge-base import: parse CSV or JSON Lines files into validated rows (streaming), then store them."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from storage import knowledge
from storage.models import Tenant

KnowledgeFormat = Literal["csv", "jsonl"]

MAX_QUESTION_CHARS = 1000
MAX_ANSWER_CHARS = 8000
MAX_KEYWORD_CHARS = 100

_FORMAT_NAMES: dict[str, KnowledgeFormat] = {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl"}
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
    """The whole file cannot be imported; the message names the file and the problem."""


class _BadRow(Exception):
    """Raised inside validation so each check can stop at the first problem of a row."""


def detect_format(path: Path, explicit: str | None) -> KnowledgeFormat:
    if explicit is not None:
        fmt = _FORMAT_NAMES.get(explicit.strip().lower())
        if fmt is None:
            raise KnowledgeFileError(f"{path}: unknown format {explicit!r}; use 'csv' or 'jsonl'")
        return fmt
    fmt = _FORMAT_NAMES.get(path.suffix.lower().lstrip("."))
    if fmt is None:
        raise KnowledgeFileError(
            f"{path}: cannot tell the format from the extension {path.suffix or '(none)'!r}; "
            "name the file .csv, .jsonl or .ndjson, or give the format explicitly"
        )
    return fmt


def count_records(path: Path, fmt: str) -> int:
    """Count data records for a progress bar total.

    This reads the whole file, so it also surfaces every whole-file problem (bad encoding, missing
    header column, empty file) before the caller has imported anything.
    """
    if detect_format(path, fmt) == "csv":
        records = _csv_records(path)
        _read_header(path, records)
        return sum(1 for _ in records)
    return sum(1 for _ in _jsonl_lines(path))


def parse_knowledge_file(path: Path, fmt: str) -> Iterator[KnowledgeRow | RowError]:
    """Yield one validated row or one error per record, streaming the file.

    Whole-file problems raise KnowledgeFileError; an encoding fault deep in the file can only be
    seen once the parser reaches it, which is why callers should run count_records first.
    """
    if detect_format(path, fmt) == "csv":
        yield from _parse_csv(path)
    else:
        yield from _parse_jsonl(path)


@contextmanager
def _open_text(path: Path) -> Iterator[TextIO]:
    # utf-8-sig drops a leading BOM that spreadsheet programs like to write; newline="" lets the
    # csv module see quoted line breaks untouched.
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise KnowledgeFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    with handle:
        try:
            yield handle
        except UnicodeDecodeError as exc:
            raise KnowledgeFileError(f"{path}: the file is not UTF-8 text; save it as UTF-8") from exc
        except OSError as exc:
            raise KnowledgeFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc


def _is_blank(cells: Iterable[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (first physical line, cells) for each non-blank CSV record, header included."""
    with _open_text(path) as handle:
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
                    f"{path}: line {previous_end + 1}: unreadable CSV ({exc}); check for an unbalanced quote"
                ) from exc
            start, previous_end = previous_end + 1, reader.line_num
            if not _is_blank(cells):
                yield start, cells


def _read_header(path: Path, records: Iterator[tuple[int, list[str]]]) -> dict[str, int]:
    """Consume the header record and map each known column name to its cell index."""
    first = next(records, None)
    if first is None:
        raise KnowledgeFileError(f"{path}: the file is empty")
    _, cells = first
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = cell.strip().lower()
        if name in _KNOWN_COLUMNS:
            if name in columns:
                raise KnowledgeFileError(f"{path}: the header has more than one {name!r} column")
            columns[name] = index
    missing = [name for name in _REQUIRED_COLUMNS if name not in columns]
    if missing:
        names = " and ".join(repr(name) for name in missing)
        hint = ""
        if len(cells) == 1 and any(sep in cells[0] for sep in ";\t"):
            hint = "; the file seems to use a separator other than commas"
        raise KnowledgeFileError(f"{path}: the header row has no {names} column{hint}")
    return columns


def _parse_csv(path: Path) -> Iterator[KnowledgeRow | RowError]:
    records = _csv_records(path)
    columns = _read_header(path, records)
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


def _jsonl_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (physical line, text) for each non-blank line."""
    with _open_text(path) as handle:
        seen_any = False
        for line, text in enumerate(handle, start=1):
            if text.strip():
                seen_any = True
                yield line, text
        if not seen_any:
            raise KnowledgeFileError(f"{path}: the file is empty")


def _parse_jsonl(path: Path) -> Iterator[KnowledgeRow | RowError]:
    for line, text in _jsonl_lines(path):
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


@dataclass
class ImportReport:
    added: int = 0
    skipped_existing: int = 0
    errors: list[RowError] = field(default_factory=list)


async def import_knowledge(
    session: AsyncSession,
    *,
    tenant: Tenant,
    rows: Iterable[KnowledgeRow | RowError],
    on_row: Callable[[], None] = lambda: None,
) -> ImportReport:
    """Add good rows (skipping questions the tenant already has), collect bad ones with their lines."""
    report = ImportReport()
    seen = await knowledge.existing_questions(session, tenant.id)
    for row in rows:
        on_row()
        if isinstance(row, RowError):
            report.errors.append(row)
            continue
        key = row.question.strip().lower()
        if key in seen:
            report.skipped_existing += 1
            continue
        seen.add(key)
        knowledge.add_entry(
            session,
            tenant_id=tenant.id,
            question=row.question,
            answer=row.answer,
            keywords=row.keywords,
            category=row.category,
            active=row.active,
        )
        report.added += 1
    await session.flush()
    return report
