"""`POST /api/v1/knowledge/import`: a tenant admin uploads a CSV or JSON Lines file and reads what happened
to each row, the same as `chatbot kb import` reports it."""

from __future__ import annotations

from pathlib import Path

from bot.tenancy.knowledge_import import detect_format, parse_knowledge_file
from bot.tenancy.knowledge_rows import RowError
from tests.support.admin_api import AdminApi

KB = Path(__file__).parent.parent.parent / "data" / "kb"
CSV = {"Content-Type": "text/csv"}
NDJSON = {"Content-Type": "application/x-ndjson"}


async def questions(admin: AdminApi) -> list[str]:
    listed = await admin.get("/knowledge?limit=200")
    assert listed.status == 200, listed.body
    return sorted(entry["question"] for entry in listed.body["items"])


def cli_errors(path: Path) -> list[dict[str, object]]:
    """What `chatbot kb import` reports for the file: the same parser, read from the file."""
    results = parse_knowledge_file(path, detect_format(path, None))
    return [{"line": e.line, "message": e.message} for e in results if isinstance(e, RowError)]


async def test_a_csv_with_bad_rows_adds_the_good_ones_and_names_each_bad_line(other_admin: AdminApi) -> None:
    admin = other_admin  # a tenant with no knowledge yet
    assert await questions(admin) == []

    answer = await admin.post("/knowledge/import", data=(KB / "bad_rows.csv").read_bytes(), headers=CSV)

    assert answer.status == 200, answer.body
    assert answer.body["added"] == 3
    assert answer.body["skipped_existing"] == 0
    assert answer.body["errors"] == [
        {"line": 6, "message": "line 6: missing 'answer'"},
        {"line": 7, "message": "line 7: invalid 'active' value 'maybe' (use true/false, yes/no or 1/0)"},
        {"line": 8, "message": "line 8: question longer than 1000 characters"},
    ]
    assert answer.body["errors"] == cli_errors(KB / "bad_rows.csv")
    assert set(await questions(admin)) == {
        "What are your hours?",
        "How do I brew\na pour-over?",
        "Do you sell gift cards?",
    }
    gift = await admin.get("/knowledge?q=gift+cards")
    assert [(e["answer"], e["active"]) for e in gift.body["items"]] == [("Yes, from $10.", False)]


async def test_sending_the_same_file_again_adds_nothing(admin: AdminApi) -> None:
    body = (KB / "good.jsonl").read_bytes()
    first = await admin.post("/knowledge/import", data=body, headers=NDJSON)
    assert (first.status, first.body["added"], first.body["errors"]) == (200, 3, [])
    stored = await questions(admin)

    again = await admin.post("/knowledge/import", data=body, headers={"Content-Type": "application/jsonl"})

    assert (again.body["added"], again.body["skipped_existing"]) == (0, 3)
    assert await questions(admin) == stored


async def test_the_format_may_be_given_in_the_query_and_jsonl_errors_match_the_cli(admin: AdminApi) -> None:
    answer = await admin.post(
        "/knowledge/import?format=jsonl",
        data=(KB / "bad_lines.jsonl").read_bytes(),
        headers={"Content-Type": "application/octet-stream"},
    )

    assert answer.status == 200, answer.body
    assert answer.body["added"] == 2
    assert [e["line"] for e in answer.body["errors"]] == [2, 3, 5, 6]
    assert answer.body["errors"] == cli_errors(KB / "bad_lines.jsonl")


async def test_a_broken_file_is_a_422_naming_the_body_and_nothing_is_added(admin: AdminApi) -> None:
    before = await questions(admin)

    no_answers = await admin.post(
        "/knowledge/import", data=(KB / "missing_answer_column.csv").read_bytes(), headers=CSV
    )
    assert (no_answers.status, no_answers.error["field"]) == (422, "body")
    assert "no 'answer' column" in no_answers.error["message"]

    # Good rows come first; the unbalanced quote is only found after they were added: all are undone.
    runaway = "question,answer\nFirst good?,Yes.\nSecond good?,Yes.\n" + '"Q3,' + "x" * 200_000 + "\n"
    broken = await admin.post("/knowledge/import", data=runaway.encode(), headers=CSV)
    assert (broken.status, broken.error["field"]) == (422, "body")
    assert "line 4: unreadable CSV" in broken.error["message"]

    latin1 = await admin.post(
        "/knowledge/import", data="question,answer\nCafé?,Oui.\n".encode("latin-1"), headers=CSV
    )
    assert (latin1.status, latin1.error["field"]) == (422, "body")
    assert "not UTF-8" in latin1.error["message"]

    empty = await admin.post("/knowledge/import", data=b"\xef\xbb\xbf\n", headers=NDJSON)
    assert (empty.status, empty.error["message"]) == (422, "the file is empty")

    assert await questions(admin) == before


async def test_the_format_must_be_known(admin: AdminApi) -> None:
    file = (KB / "good.csv").read_bytes()

    unsaid = await admin.post("/knowledge/import", data=file, headers={"Content-Type": "application/json"})
    assert (unsaid.status, unsaid.error["field"]) == (422, "format")
    unknown = await admin.post("/knowledge/import?format=xlsx", data=file, headers=CSV)
    assert (unknown.status, unknown.error["field"]) == (422, "format")
    typo = await admin.post("/knowledge/import?fromat=csv", data=file, headers=CSV)
    assert (typo.status, typo.error["code"], typo.error["field"]) == (422, "unknown_field", "fromat")


async def test_a_file_may_be_larger_than_other_bodies_up_to_its_own_limit(admin: AdminApi) -> None:
    rows = "".join(f"Bulk question {n}?,{'An answer. ' * 20}\n" for n in range(1000))
    big = ("question,answer\n" + rows).encode()
    assert 64 * 1024 < len(big) < 5 * 1024 * 1024

    answer = await admin.post("/knowledge/import", data=big, headers=CSV)
    assert (answer.status, answer.body["added"]) == (200, 1000)

    too_big = b"question,answer\n" + b"Q?,A.\n" * (5 * 1024 * 1024 // 6 + 1)
    refused = await admin.post("/knowledge/import", data=too_big, headers=CSV)
    assert (refused.status, refused.error["code"]) == (413, "too_large")


async def test_an_import_goes_to_the_callers_tenant_only(admin: AdminApi, other_admin: AdminApi) -> None:
    before = await questions(admin)

    answer = await other_admin.post("/knowledge/import", data=(KB / "good.csv").read_bytes(), headers=CSV)

    assert answer.status == 200
    assert answer.body["added"] > 0
    assert await questions(admin) == before
    assert len(await questions(other_admin)) == answer.body["added"]
