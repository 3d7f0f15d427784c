"""Knowledge-base import files: what a tenant admin sees when a CSV or JSONL file is good, bad or broken."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.tenancy.knowledge_import import (
    KnowledgeFileError,
    KnowledgeRow,
    RowError,
    count_records,
    detect_format,
    parse_knowledge_file,
)

DATA = Path(__file__).parent.parent / "data" / "kb"


def parse(path: Path) -> list[KnowledgeRow | RowError]:
    return list(parse_knowledge_file(path, detect_format(path, None)))


def rows(results: list[KnowledgeRow | RowError]) -> list[KnowledgeRow]:
    return [item for item in results if isinstance(item, KnowledgeRow)]


def errors(results: list[KnowledgeRow | RowError]) -> list[RowError]:
    return [item for item in results if isinstance(item, RowError)]


# --- format detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("kb.csv", "csv"), ("kb.CSV", "csv"), ("kb.jsonl", "jsonl"), ("kb.ndjson", "jsonl")],
)
def test_format_comes_from_the_extension(name: str, expected: str) -> None:
    assert detect_format(Path(name), None) == expected


def test_explicit_format_wins_over_the_extension() -> None:
    assert detect_format(Path("export.txt"), "CSV") == "csv"
    assert detect_format(Path("export.csv"), "jsonl") == "jsonl"


@pytest.mark.parametrize(("name", "explicit"), [("kb.json", None), ("kb", None), ("kb.csv", "xlsx")])
def test_unknown_format_is_a_file_error_naming_the_file(name: str, explicit: str | None) -> None:
    with pytest.raises(KnowledgeFileError, match=name):
        detect_format(Path(name), explicit)


# --- good files -------------------------------------------------------------------------------------


def test_good_csv_gives_normalised_rows() -> None:
    assert parse(DATA / "good.csv") == [
        KnowledgeRow(
            line=2,
            question="What are your opening hours?",
            answer="We're open Monday to Saturday, 9am to 6pm.",
            keywords=("hours", "opening", "open"),
            category="Store",
            active=True,
        ),
        KnowledgeRow(
            line=3,
            question="How much is shipping?",
            answer="Standard shipping is $5.95 and free over $40.",
            keywords=("shipping", "delivery", "cost"),
            category="Shipping",
            active=True,
        ),
        KnowledgeRow(
            line=4,
            question="Do you sell decaf?",
            answer="Yes - a Swiss Water decaf from Colombia.",
            keywords=(),
            category=None,
            active=False,
        ),
    ]


def test_good_jsonl_accepts_keyword_lists_and_delimited_strings() -> None:
    results = parse(DATA / "good.jsonl")

    assert errors(results) == []
    ship, paypal, gift = rows(results)
    assert (ship.line, ship.keywords, ship.category, ship.active) == (
        1,
        ("international", "shipping", "abroad"),
        "Shipping",
        True,
    )
    assert (paypal.line, paypal.question, paypal.keywords, paypal.category, paypal.active) == (
        3,
        "Can I pay with PayPal?",
        ("payment", "paypal", "cards"),
        None,
        False,
    )
    assert (gift.line, gift.keywords, gift.active) == (4, (), True)


def test_utf8_bom_is_ignored(tmp_path: Path) -> None:
    (row,) = parse(DATA / "bom.csv")
    assert isinstance(row, KnowledgeRow)
    assert (row.line, row.question) == (2, "What is decaf?")

    jsonl = tmp_path / "bom.jsonl"
    jsonl.write_bytes(b'\xef\xbb\xbf{"question": "Q?", "answer": "A."}\n')
    assert parse(jsonl) == [KnowledgeRow(1, "Q?", "A.", (), None, True)]


def test_keywords_are_trimmed_lowercased_deduplicated_and_blank_ones_dropped(tmp_path: Path) -> None:
    path = tmp_path / "kw.csv"
    path.write_text('question,answer,keywords\nQ?,A.,"  Cold   Brew ;COLD brew||Iced,, iced |"\n')

    (row,) = parse(path)
    assert isinstance(row, KnowledgeRow)
    assert row.keywords == ("cold brew", "iced")


# --- bad rows ---------------------------------------------------------------------------------------


def test_csv_errors_name_the_physical_line_and_good_rows_survive() -> None:
    results = parse(DATA / "bad_rows.csv")

    assert [error.message for error in errors(results)] == [
        "line 6: missing 'answer'",
        "line 7: invalid 'active' value 'maybe' (use true/false, yes/no or 1/0)",
        "line 8: question longer than 1000 characters",
    ]
    assert [error.line for error in errors(results)] == [6, 7, 8]
    good = rows(results)
    assert [row.line for row in good] == [2, 3, 10]
    # The quoted newlines spanning lines 3-5 stay inside the fields.
    assert good[1].question == "How do I brew\na pour-over?"
    assert good[1].keywords == ("brewing", "pour-over")
    assert (good[2].answer, good[2].active) == ("Yes, from $10.", False)


def test_jsonl_errors_name_the_line_and_good_rows_survive() -> None:
    results = parse(DATA / "bad_lines.jsonl")

    assert [error.message for error in errors(results)] == [
        "line 2: invalid JSON: Expecting ',' delimiter at column 23",
        "line 3: expected a JSON object, got array",
        "line 5: 'keywords' must be a list of strings or a delimited string",
        "line 6: 'question' must be a string, not number",
    ]
    assert [(row.line, row.active) for row in rows(results)] == [(1, True), (7, False)]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ('{"question": " ", "answer": "A."}', "line 1: missing 'question'"),
        ('{"question": "Q?"}', "line 1: missing 'answer'"),
        ('{"question": "Q?", "answer": "' + "a" * 8001 + '"}', "line 1: answer longer than 8000 characters"),
        (
            '{"question": "Q?", "answer": "A.", "keywords": ["' + "k" * 101 + '"]}',
            "line 1: keyword 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkk…' longer than 100 characters",
        ),
        (
            '{"question": "Q?", "answer": "A.", "active": 2}',
            "line 1: invalid 'active' value 2 (use true or false)",
        ),
        (
            '{"question": "Q?", "answer": "A.", "category": 7}',
            "line 1: 'category' must be a string, not number",
        ),
    ],
)
def test_each_validation_rule_has_its_own_message(tmp_path: Path, record: str, message: str) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(record + "\n")

    assert parse(path) == [RowError(1, message)]


def test_limits_are_inclusive(tmp_path: Path) -> None:
    path = tmp_path / "limits.csv"
    path.write_text(f"question,answer,keywords\n{'q' * 1000},{'a' * 8000},{'k' * 100}\n")

    (row,) = parse(path)
    assert isinstance(row, KnowledgeRow)
    assert (len(row.question), len(row.answer), row.keywords) == (1000, 8000, ("k" * 100,))


def test_active_accepts_the_usual_spellings(tmp_path: Path) -> None:
    path = tmp_path / "active.csv"
    values = ["true", "YES", "1", "", "False", "no", " 0 "]
    path.write_text("question,answer,active\n" + "".join(f"Q{i}?,A.,{v}\n" for i, v in enumerate(values)))

    assert [row.active for row in rows(parse(path))] == [True, True, True, True, False, False, False]


# --- whole-file problems ----------------------------------------------------------------------------


def test_csv_without_an_answer_column_is_a_file_error() -> None:
    path = DATA / "missing_answer_column.csv"
    with pytest.raises(KnowledgeFileError, match=r"missing_answer_column\.csv.*no 'answer' column"):
        parse(path)
    with pytest.raises(KnowledgeFileError, match="no 'answer' column"):
        count_records(path, "csv")


def test_semicolon_separated_csv_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("question;answer\nQ?;A.\n")
    with pytest.raises(KnowledgeFileError, match="separator other than commas"):
        parse(path)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_empty_file_is_a_file_error(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(content)
    with pytest.raises(KnowledgeFileError, match="empty"):
        parse(path)
    with pytest.raises(KnowledgeFileError, match="empty"):
        count_records(path, suffix.lstrip("."))


def test_shipped_empty_fixture_is_a_file_error() -> None:
    with pytest.raises(KnowledgeFileError, match=r"empty\.csv: the file is empty"):
        parse(DATA / "empty.csv")


def test_non_utf8_file_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("question,answer\nCafé?,Oui.\n".encode("latin-1"))
    with pytest.raises(KnowledgeFileError, match="not UTF-8"):
        count_records(path, "csv")


def test_missing_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeFileError, match=r"nope\.csv: cannot read"):
        count_records(tmp_path / "nope.csv", "csv")


def test_unbalanced_quote_swallowing_a_huge_field_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "runaway.csv"
    path.write_text('question,answer\nQ?,A.\n"Q2,' + "x" * 200_000 + "\n")
    with pytest.raises(KnowledgeFileError, match="line 3: unreadable CSV"):
        parse(path)


# --- counting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("good.csv", 3), ("good.jsonl", 3), ("bad_rows.csv", 6), ("bad_lines.jsonl", 6), ("bom.csv", 1)],
)
def test_count_matches_the_number_of_results(name: str, expected: int) -> None:
    path = DATA / name
    assert count_records(path, detect_format(path, None)) == expected
    assert len(parse(path)) == expected


def test_parsing_streams_one_record_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text('{"question": "Q?", "answer": "A."}\n' * 10_000)

    stream = parse_knowledge_file(path, "jsonl")
    assert next(stream) == KnowledgeRow(1, "Q?", "A.", (), None, True)
    assert next(stream).line == 2


# --- robustness -------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    body=st.binary(max_size=400),
    prefix=st.sampled_from([b"", b"question,answer\n", b'{"question": "Q?", "answer": "A."}\n']),
    suffix=st.sampled_from([".csv", ".jsonl"]),
)
def test_arbitrary_bytes_never_crash_the_parser(
    tmp_path_factory: pytest.TempPathFactory, body: bytes, prefix: bytes, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(prefix + body)
    fmt = detect_format(path, None)
    try:
        total = count_records(path, fmt)
        results = list(parse_knowledge_file(path, fmt))
    except KnowledgeFileError:
        return
    assert all(isinstance(item, KnowledgeRow | RowError) for item in results)
    assert len(results) == total
