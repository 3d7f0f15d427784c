"""Knowledge-base import: a CSV or JSON Lines file (the CLI) or request body (the admin API), stored.

Parsing is bot/tenancy/knowledge_rows.py; this module opens a file and names it in its errors, takes a
request body, and stores the rows. A file with bad rows imports its good rows and reports each bad one
by its line (the CLI and the admin API alike); a whole-file problem imports nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import Invalid
from bot.tenancy.knowledge_rows import (
    FORMAT_NAMES,
    MAX_ANSWER_CHARS,
    MAX_KEYWORD_CHARS,
    MAX_QUESTION_CHARS,
    NOT_UTF8,
    KnowledgeFileError,
    KnowledgeFormat,
    KnowledgeRow,
    RowError,
    count_knowledge_records,
    parse_knowledge_text,
)
from bot.tenancy.schema_base import RequestModel, ResponseModel
from storage import knowledge

__all__ = [
    "CONTENT_TYPES",
    "MAX_ANSWER_CHARS",
    "MAX_IMPORT_BYTES",
    "MAX_KEYWORD_CHARS",
    "MAX_QUESTION_CHARS",
    "ImportAnswer",
    "ImportQuery",
    "ImportReport",
    "KnowledgeFileError",
    "KnowledgeFormat",
    "KnowledgeRow",
    "RowError",
    "count_records",
    "detect_format",
    "import_knowledge",
    "import_knowledge_body",
    "parse_knowledge_file",
]

# An uploaded file may be this large (the admin API's usual body limit is 64 KiB).
MAX_IMPORT_BYTES = 5 * 1024 * 1024
# The Content-Types the admin API takes an import file as, and the format each means.
CONTENT_TYPES: dict[str, KnowledgeFormat] = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
}


def detect_format(path: Path, explicit: str | None) -> KnowledgeFormat:
    if explicit is not None:
        fmt = FORMAT_NAMES.get(explicit.strip().lower())
        if fmt is None:
            raise KnowledgeFileError(f"{path}: unknown format {explicit!r}; use 'csv' or 'jsonl'")
        return fmt
    fmt = FORMAT_NAMES.get(path.suffix.lower().lstrip("."))
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
    known = detect_format(path, fmt)
    with _open_text(path) as handle:
        return count_knowledge_records(handle, known)


def parse_knowledge_file(path: Path, fmt: str) -> Iterator[KnowledgeRow | RowError]:
    """Yield one validated row or one error per record, streaming the file.

    Whole-file problems raise KnowledgeFileError; an encoding fault deep in the file can only be
    seen once the parser reaches it, which is why callers should run count_records first.
    """
    known = detect_format(path, fmt)
    with _open_text(path) as handle:
        yield from parse_knowledge_text(handle, known)


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
        except KnowledgeFileError as exc:
            raise KnowledgeFileError(f"{path}: {exc}") from exc
        except OSError as exc:
            raise KnowledgeFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc


@dataclass
class ImportReport:
    added: int = 0
    skipped_existing: int = 0
    errors: list[RowError] = field(default_factory=list)


async def import_knowledge(
    session: AsyncSession,
    *,
    tenant_id: int,
    rows: Iterable[KnowledgeRow | RowError],
    on_row: Callable[[], None] = lambda: None,
) -> ImportReport:
    """Add good rows (skipping questions the tenant already has), collect bad ones with their lines."""
    report = ImportReport()
    seen = await knowledge.existing_questions(session, tenant_id)
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
            tenant_id=tenant_id,
            question=row.question,
            answer=row.answer,
            keywords=row.keywords,
            category=row.category,
            active=row.active,
        )
        report.added += 1
    await session.flush()
    return report


class ImportQuery(RequestModel):
    format: Literal["csv", "jsonl"] | None = Field(
        None, description="the file's format, when the Content-Type does not say it"
    )


class ImportRowError(ResponseModel):
    line: int = Field(description="the physical line the bad record starts on (1 is the first line)")
    message: str


class ImportAnswer(ResponseModel):
    added: int
    skipped_existing: int = Field(description="rows whose question the tenant already has (not changed)")
    errors: list[ImportRowError]


def body_format(content_type: str, explicit: KnowledgeFormat | None) -> KnowledgeFormat:
    """The format of an uploaded file: ``?format=`` wins, else its Content-Type; else Invalid."""
    if explicit is not None:
        return explicit
    fmt = CONTENT_TYPES.get(content_type.strip().lower())
    if fmt is None:
        raise Invalid(
            f"cannot tell the file's format from Content-Type {content_type or '(none)'!r}; send it as "
            "text/csv or application/x-ndjson, or add ?format=csv or ?format=jsonl",
            field="format",
        )
    return fmt


async def import_knowledge_body(
    session: AsyncSession, tenant_id: int, body: bytes, fmt: KnowledgeFormat
) -> ImportAnswer:
    """Import an uploaded file: good rows added, bad rows reported; a whole-file problem is Invalid."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(NOT_UTF8, field="body") from None
    try:
        report = await import_knowledge(
            session, tenant_id=tenant_id, rows=parse_knowledge_text(io.StringIO(text, newline=""), fmt)
        )
    except KnowledgeFileError as exc:
        # Raised part-way through: the caller's transaction rolls back the rows added before it.
        raise Invalid(str(exc), field="body") from None
    return ImportAnswer(
        added=report.added,
        skipped_existing=report.skipped_existing,
        errors=[ImportRowError(line=e.line, message=e.message) for e in report.errors],
    )
