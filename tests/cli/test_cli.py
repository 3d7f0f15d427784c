"""The `chatbot` command line as an operator meets it: a real SQLite file, stdout, stderr, exit codes.

One database is upgraded and seeded once for the session by real `python -m bot` processes; each test
works on its own copy, running the commands in-process (tests/support/cli_workspace.py says why).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.tenancy.demo.content import DEMO_BOT
from bot.tenancy.demo.isp_content import ISP_BOT
from tests.support.cli_workspace import Prepared, Result, Workspace

__all__ = ["Result", "Workspace"]

KB = Path(__file__).parent.parent / "data" / "kb"
API_KEY = re.compile(r"\bcbk_[A-Za-z0-9_-]{20,}")
ACCESS_TOKEN = "EAAGm0PX4ZCpsBAcli-access-token-31337"
APP_SECRET = "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"
VERIFY_TOKEN = "cli-verify-token-to-check"
UNREACHABLE = "postgresql://postgres:hunter2@127.0.0.1:1/x"


@pytest.fixture(scope="module")
def prepared(prepared_once: Prepared) -> Prepared:
    """The workspace prepared once per session (tests/cli/conftest.py), under the name tests import."""
    return prepared_once


@pytest.fixture
def cli(prepared: Prepared, tmp_path: Path) -> Workspace:
    """A private copy of the prepared data directory (database, its WAL if any, and the key file)."""
    assert prepared.upgrade.code == 0, prepared.upgrade.err
    assert prepared.first_demo.code == 0, prepared.first_demo.err
    assert prepared.tenant.code == 0, prepared.tenant.err
    source = prepared.workspace.data_dir
    # SQLite's backup API takes a consistent snapshot even while the WAL files come and go.
    with (
        closing(sqlite3.connect(source / "chatbot.db")) as live,
        closing(sqlite3.connect(tmp_path / "chatbot.db")) as copy,
    ):
        live.backup(copy)
    shutil.copy2(source / "secret.key", tmp_path / "secret.key")
    return Workspace(tmp_path, tmp_path / "chatbot.db")


# --- help ------------------------------------------------------------------------------------------


def test_help_lists_the_commands(tmp_path: Path) -> None:
    # A real process: the `python -m bot` entry point itself (the commands below run in-process).
    result = Workspace(tmp_path, tmp_path / "chatbot.db").run_process("--help")

    assert result.code == 0
    for command in ("serve", "chat", "db", "demo", "tenant", "agent", "channel", "kb", "inbox"):
        assert re.search(rf"^\s+{command}\s", result.out, re.MULTILINE), command


# --- db upgrade and demo ---------------------------------------------------------------------------


def test_upgrade_then_demo_prints_the_api_key_once(prepared: Prepared) -> None:
    ws = prepared.workspace

    assert prepared.upgrade.code == 0
    assert "revision" in prepared.upgrade.out
    assert prepared.first_demo.code == 0
    assert len(API_KEY.findall(prepared.first_demo.out)) == 1
    assert "chatbot chat" in prepared.first_demo.out
    assert ws.knowledge_count("demo") == 20
    # The second demo tenant, an internet provider's support desk, comes with it (its key on request).
    assert "demo tenant 'isp' ready" in prepared.first_demo.out
    assert ws.knowledge_count("isp") >= 40


def test_demo_again_changes_nothing(cli: Workspace) -> None:
    result = cli.run("demo")

    assert result.code == 0
    assert "nothing changed" in result.out
    assert not API_KEY.search(result.out)
    assert cli.knowledge_count("demo") == 20
    assert cli.scalar("SELECT count(*) FROM tenants WHERE slug = 'demo'") == 1
    assert cli.knowledge_count("isp") >= 40
    # The console channels of `chatbot chat` (one per demo tenant), and the (disabled) one of the demo's
    # past sales.
    assert cli.scalar("SELECT count(*) FROM channels WHERE platform = 'console'") == 3
    assert cli.scalar("SELECT count(*) FROM conversions") == 8


def test_quiet_demo_says_nothing_when_already_set_up(cli: Workspace) -> None:
    result = cli.run("demo", "--quiet")

    assert result.code == 0
    assert result.out == ""
    assert cli.knowledge_count("demo") == 20


# --- chat --------------------------------------------------------------------------------------------


def test_piped_chat_answers_and_stores_the_conversation(cli: Workspace) -> None:
    result = cli.run("chat", stdin="hi\nopening hours?\n")

    assert result.code == 0, result.err
    replies = [line for line in result.out.splitlines() if line.startswith(f"{DEMO_BOT.name}: ")]
    assert len(replies) == 2
    assert "9am" in replies[1]

    (console_id,) = cli.query("SELECT id FROM channels WHERE external_id = 'demo-terminal'")[0]
    messages = cli.query(
        "SELECT role, direction, status, text FROM messages WHERE channel_id = ? ORDER BY id", (console_id,)
    )
    assert [(role, text) for role, _, _, text in messages if role == "user"] == [
        ("user", "hi"),
        ("user", "opening hours?"),
    ]
    assistant = [(direction, status) for role, direction, status, _ in messages if role == "assistant"]
    assert assistant == [("out", "sent"), ("out", "sent")]
    events = cli.query("SELECT status FROM inbound_events WHERE channel_id = ?", (console_id,))
    assert [status for (status,) in events] == ["done", "done"]


def test_chat_with_the_internet_provider_demo(cli: Workspace) -> None:
    result = cli.run("chat", "--tenant", "isp", stdin="hello\n!plans\nhow do i reset my router\n")

    assert result.code == 0, result.err
    replies = [line for line in result.out.splitlines() if line.startswith(f"{ISP_BOT.name}: ")]
    assert "the support assistant at Nimbus Fibre" in replies[0]
    assert any("Gigabit 2000 - $70" in line for line in result.out.splitlines())
    assert any("paperclip" in line for line in result.out.splitlines())


def test_chat_with_an_unknown_tenant_fails_naming_it(cli: Workspace) -> None:
    result = cli.run("chat", "--tenant", "nosuch", stdin="hi\n")

    assert result.code == 1
    assert result.err_lines == [result.err_lines[0]]
    assert "nosuch" in result.err_lines[0]


# --- tenants and agents ------------------------------------------------------------------------------


def test_tenant_create_prints_its_key_once_and_refuses_a_duplicate(cli: Workspace) -> None:
    created = cli.run("tenant", "create", "--name", "Bistro", "--slug", "bistro")

    assert created.code == 0, created.err
    keys = API_KEY.findall(created.out)
    assert len(keys) == 1
    assert keys[0] not in created.err

    duplicate = cli.run("tenant", "create", "--name", "Another Bistro", "--slug", "bistro")

    assert duplicate.code == 1
    assert len(duplicate.err_lines) == 1
    assert duplicate.err_lines[0].startswith("error: ")
    assert "bistro" in duplicate.err_lines[0]
    assert "already exists" in duplicate.err_lines[0]
    assert not API_KEY.search(duplicate.out)
    assert cli.scalar("SELECT count(*) FROM tenants WHERE slug = 'bistro'") == 1
    assert cli.scalar("SELECT name FROM tenants WHERE slug = 'bistro'") == "Bistro"


def test_agent_for_an_unknown_tenant_fails_naming_it(cli: Workspace) -> None:
    result = cli.run("agent", "create", "--tenant", "nosuch", "--name", "Dana")

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "nosuch" in result.err_lines[0]
    assert cli.scalar("SELECT count(*) FROM agents") == 0


def test_agent_create_prints_a_token_that_is_stored_only_as_a_hash(cli: Workspace) -> None:
    result = cli.run("agent", "create", "--tenant", "acme", "--name", "Dana", "--role", "admin")

    assert result.code == 0, result.err
    tokens = re.findall(r"\bcba_[A-Za-z0-9_-]{20,}", result.out)
    assert len(tokens) == 1
    stored = cli.query("SELECT token_hash FROM agents")
    assert len(stored) == 1
    assert stored[0][0] != tokens[0]


# --- channels ----------------------------------------------------------------------------------------


def test_messenger_channel_prints_a_webhook_url_and_never_the_secrets(cli: Workspace) -> None:
    result = cli.run(
        "channel",
        "add",
        "--tenant",
        "acme",
        "--platform",
        "messenger",
        "--page-id",
        "104857600",
        "--access-token",
        ACCESS_TOKEN,
        "--app-secret",
        APP_SECRET,
        "--verify-token",
        VERIFY_TOKEN,
    )

    assert result.code == 0, result.err
    assert re.search(r"https?://\S+/webhooks/messenger/[A-Za-z0-9_-]{16,}", result.out)
    for secret in (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in result.out
        assert secret not in result.err
    (sealed,) = cli.query("SELECT credentials_encrypted FROM channels WHERE external_id = '104857600'")[0]
    assert isinstance(sealed, str)
    assert sealed
    for secret in (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in sealed


def test_messenger_channel_without_app_secret_is_refused(cli: Workspace) -> None:
    result = cli.run(
        "channel",
        "add",
        "--tenant",
        "acme",
        "--platform",
        "messenger",
        "--page-id",
        "104857601",
        "--access-token",
        ACCESS_TOKEN,
        "--verify-token",
        VERIFY_TOKEN,
    )

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "--app-secret" in result.err_lines[0]
    assert ACCESS_TOKEN not in result.err
    assert cli.scalar("SELECT count(*) FROM channels WHERE platform = 'messenger'") == 0


def test_a_channels_webhook_key_is_rotated_and_the_new_url_printed(cli: Workspace) -> None:
    added = cli.run(
        "channel", "add", "--tenant", "acme", "--platform", "groupme", "--bot-id", "b-9", "--group-id", "g-9"
    )  # fmt: skip
    assert added.code == 0, added.err
    (channel_id,) = re.findall(r"\(id (\d+)\)", added.out)
    (old_url,) = re.findall(r"webhook URL: (\S+)", added.out)
    listed = cli.run("channel", "list", "--tenant", "acme")
    assert listed.code == 0, listed.err
    assert f"{channel_id}\tgroupme\tb-9\tenabled\t" in listed.out
    assert "/webhooks/" not in listed.out

    rotated = cli.run("channel", "rotate-key", "--tenant", "acme", "--channel", channel_id)

    assert rotated.code == 0, rotated.err
    (new_url,) = re.findall(r"webhook URL: (\S+)", rotated.out)
    assert new_url.rpartition("/")[0] == old_url.rpartition("/")[0]
    assert new_url != old_url
    assert "the old URL is refused" in rotated.out
    stored = cli.scalar("SELECT webhook_key FROM channels WHERE id = ?", (int(channel_id),))
    assert new_url.endswith(f"/groupme/{stored}")


def test_rotating_the_key_of_a_channel_the_tenant_does_not_have_is_refused(cli: Workspace) -> None:
    (demo_channel,) = cli.query("SELECT id FROM channels WHERE external_id = 'demo-terminal'")[0]
    keys_before = cli.query("SELECT id, webhook_key FROM channels ORDER BY id")

    for channel_id in (str(demo_channel), "999999"):
        refused = cli.run("channel", "rotate-key", "--tenant", "acme", "--channel", channel_id)
        assert refused.code == 1
        assert refused.err_lines == [
            f"error: tenant 'acme' has no channel {channel_id} "
            "(list them with: chatbot channel list --tenant acme)"
        ]
    assert cli.query("SELECT id, webhook_key FROM channels ORDER BY id") == keys_before


# --- knowledge import --------------------------------------------------------------------------------


def test_import_reports_bad_rows_by_line_and_keeps_the_good_ones(cli: Workspace) -> None:
    result = cli.run("kb", "import", "--tenant", "acme", str(KB / "bad_rows.csv"))

    assert result.code == 1
    reported = [line for line in result.err_lines if "bad_rows.csv" in line]
    assert len(reported) == 3
    assert "line 6" in reported[0]
    assert "answer" in reported[0]
    assert "line 7" in reported[1]
    assert "maybe" in reported[1]
    assert "line 8" in reported[2]
    assert "imported 3" in result.out
    assert cli.knowledge_count("acme") == 3
    questions = {q for (q,) in cli.query("SELECT question FROM knowledge_entries WHERE question LIKE '%?'")}
    assert "Do you ship abroad?" not in questions
    assert "Do you sell gift cards?" in questions
    assert cli.knowledge_count("demo") == 20


def test_importing_the_same_file_twice_adds_nothing_the_second_time(cli: Workspace) -> None:
    first = cli.run("kb", "import", "--tenant", "acme", str(KB / "good.jsonl"))

    assert first.code == 0, first.err
    assert "imported 3" in first.out
    assert cli.knowledge_count("acme") == 3

    second = cli.run("kb", "import", "--tenant", "acme", str(KB / "good.jsonl"))

    assert second.code == 0, second.err
    assert "imported 0" in second.out
    assert "3 already present" in second.out
    assert cli.knowledge_count("acme") == 3


def test_counts_in_the_output_agree_with_their_nouns(cli: Workspace, tmp_path: Path) -> None:
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"question": "Do you roast on site?", "answer": "Yes, every Tuesday."}) + "\n")

    imported = cli.run("kb", "import", "--tenant", "acme", str(one))
    added = cli.run("intent", "add", "--tenant", "demo", "--name", "wholesale", "--example", "sell to cafes?")
    retried = cli.run("inbox", "retry")

    assert "imported 1 entry into 'acme'" in imported.out, imported.err
    assert "saved with 1 example; tenant 'demo' has 1 intent" in added.out, added.err
    assert "0 events queued again" in retried.out, retried.err


def test_a_malformed_file_is_one_line_and_stores_nothing(cli: Workspace) -> None:
    result = cli.run("kb", "import", "--tenant", "acme", str(KB / "missing_answer_column.csv"))

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "answer" in result.err_lines[0]
    assert "missing_answer_column.csv" in result.err_lines[0]
    assert cli.knowledge_count("acme") == 0


def test_import_for_an_unknown_tenant_fails_naming_it(cli: Workspace) -> None:
    result = cli.run("kb", "import", "--tenant", "nosuch", str(KB / "good.jsonl"))

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "nosuch" in result.err_lines[0]
    assert cli.scalar("SELECT count(*) FROM knowledge_entries") == 20 + cli.knowledge_count("isp")


# --- inbox -------------------------------------------------------------------------------------------


def test_inbox_failed_on_an_empty_queue_says_zero(cli: Workspace) -> None:
    result = cli.run("inbox", "failed")

    assert result.code == 0, result.err
    assert re.search(r"\b0 failed event", result.out)
    assert result.err_lines == []


# --- outbox ------------------------------------------------------------------------------------------


def a_failed_reply(cli: Workspace) -> int:
    """A reply on the demo's console channel that the platform refused for good; returns its outbox id."""
    with closing(sqlite3.connect(cli.db_path)) as conn:
        tenant_id, channel_id, bot_id = conn.execute(
            "select tenant_id, id, bot_id from channels where external_id = 'demo-terminal'"
        ).fetchone()
        now = "2026-11-30 10:00:00.000000"
        customer = conn.execute(
            "insert into customers (tenant_id, channel_id, platform_user_id, lead_stage, lead_score,"
            " lead_label, customer_type, created_at, updated_at)"
            " values (?, ?, 'olga', 'intake', 0, 'cold', 'new', ?, ?)",
            (tenant_id, channel_id, now, now),
        ).lastrowid
        conversation = conn.execute(
            "insert into conversations (tenant_id, channel_id, bot_id, customer_id, conversation_key, status,"
            " message_count, consecutive_fallbacks, created_at, updated_at)"
            " values (?, ?, ?, ?, 'olga', 'bot_active', 1, 0, ?, ?)",
            (tenant_id, channel_id, bot_id, customer, now, now),
        ).lastrowid
        message = conn.execute(
            "insert into messages (tenant_id, conversation_id, channel_id, role, direction, status, type,"
            " text, source, prompt_tokens, completion_tokens, error, failure_reason, created_at, updated_at)"
            " values (?, ?, ?, 'assistant', 'out', 'failed', 'text', 'Our hours are 9 to 5.', 'direct',"
            " 0, 0, '551: this person is not available right now', 'rejected', ?, ?)",
            (tenant_id, conversation, channel_id, now, now),
        ).lastrowid
        send = conn.execute(
            "insert into outbox (tenant_id, message_id, conversation_id, channel_id, status, attempts,"
            " parts_sent, next_attempt_at, last_error, created_at, updated_at)"
            " values (?, ?, ?, ?, 'failed', 1, 0, ?, '551: this person is not available right now', ?, ?)",
            (tenant_id, message, conversation, channel_id, now, now, now),
        ).lastrowid
        conn.commit()
        assert send is not None
        return send


def test_outbox_failed_lists_the_refused_reply_and_retry_queues_it_again(cli: Workspace) -> None:
    send = a_failed_reply(cli)

    listed = cli.run("outbox", "failed", "--tenant", "demo")
    assert listed.code == 0, listed.err
    assert f"{send}\t" in listed.out
    assert "551: this person is not available right now" in listed.out
    assert re.search(r"\b1 failed send", listed.out)

    retried = cli.run("outbox", "retry", "--id", str(send))
    assert retried.code == 0, retried.err
    assert re.search(r"\b1 send", retried.out)
    assert cli.query("select status, attempts, last_error from outbox where id = ?", (send,)) == [
        ("pending", 0, None)
    ]
    assert cli.query(
        "select status, failure_reason from messages where role = 'assistant' and channel_id = "
        "(select id from channels where external_id = 'demo-terminal')"
    ) == [("pending", None)]
    assert re.search(r"\b0 failed send", cli.run("outbox", "failed").out)


# --- database and configuration trouble --------------------------------------------------------------


def test_an_unreachable_database_is_exit_3_in_one_line_without_the_password(cli: Workspace) -> None:
    result = cli.run("inbox", "failed", CHATBOT_DATABASE_URL=UNREACHABLE)

    assert result.code == 3
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith("error: cannot reach the database")
    assert "hunter2" not in result.err
    assert "Traceback" not in result.err


def test_a_database_without_schema_points_to_db_upgrade(cli: Workspace) -> None:
    empty = cli.data_dir / "empty.db"

    result = cli.run("tenant", "list", CHATBOT_DATABASE_URL=f"sqlite:///{empty}")

    assert result.code == 3
    assert len(result.err_lines) == 1
    assert "chatbot db upgrade" in result.err_lines[0]


def test_production_without_a_secret_key_is_exit_2_naming_it(cli: Workspace) -> None:
    result = cli.run("inbox", "failed", CHATBOT_ENV="production")

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "CHATBOT_SECRET_KEY" in result.err_lines[0]


def test_a_bad_port_is_exit_2_naming_it(cli: Workspace) -> None:
    result = cli.run("inbox", "failed", CHATBOT_PORT="abc")

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith("error: CHATBOT_PORT")


def test_groupme_and_whatsapp_channel_settings_are_stored(cli: Workspace) -> None:
    groupme = cli.run(
        "channel", "add", "--tenant", "acme", "--platform", "groupme", "--bot-id", "b-1", "--group-id", "g-1",
        "--answer-mode", "prefix", "--command-prefix", "/",
    )  # fmt: skip
    assert groupme.code == 0, groupme.err
    assert "/webhooks/groupme/" in groupme.out
    whatsapp = cli.run(
        "channel", "add", "--tenant", "acme", "--platform", "whatsapp", "--phone-number-id", "555",
        "--access-token", ACCESS_TOKEN, "--app-secret", APP_SECRET, "--verify-token", VERIFY_TOKEN,
        "--window-template", "hello_again", "--template-language", "pt_BR",
    )  # fmt: skip
    assert whatsapp.code == 0, whatsapp.err
    rows = dict(
        cli.query("SELECT platform, settings FROM channels WHERE platform IN ('groupme', 'whatsapp')")
    )
    groupme_settings = json.loads(str(rows["groupme"]))
    assert groupme_settings["answer_mode"] == "prefix"
    assert groupme_settings["command_prefix"] == "/"
    assert groupme_settings["bot_name"]  # the answering bot's name, for mentions
    assert json.loads(str(rows["whatsapp"])) == {
        "window_template": "hello_again",
        "window_template_language": "pt_BR",
    }


def test_bot_settings_and_intents_are_configured_from_the_cli(cli: Workspace) -> None:
    changed = cli.run(
        "bot", "set", "--tenant", "demo", "--temperature", "0.7", "--max-tool-rounds", "2",
        "--tools", "search_knowledge_base,handoff_to_human", "--handoff-on-llm-failure",
    )  # fmt: skip
    assert changed.code == 0, changed.err
    shown = json.loads(cli.run("bot", "show", "--tenant", "demo").out)
    assert (shown["temperature"], shown["max_tool_rounds"], shown["handoff_on_llm_failure"]) == (0.7, 2, True)
    assert shown["tools"] == ["search_knowledge_base", "handoff_to_human"]

    bad = cli.run("bot", "set", "--tenant", "demo", "--temperature", "5")
    assert bad.code == 1
    assert "temperature must be between 0 and 2" in bad.err
    unknown = cli.run("bot", "set", "--tenant", "demo", "--tools", "teleport")
    assert unknown.code == 1
    assert "unknown tool teleport;" in unknown.err
    assert json.loads(cli.run("bot", "show", "--tenant", "demo").out)["temperature"] == 0.7  # nothing changed

    added = cli.run(
        "intent", "add", "--tenant", "demo", "--name", "wholesale", "--example", "do you sell to cafes"
    )
    assert added.code == 0, added.err
    assert "wholesale\tdo you sell to cafes" in cli.run("intent", "list", "--tenant", "demo").out
    blank = cli.run("intent", "add", "--tenant", "demo", "--name", "gift", "--example", "  ")
    assert (blank.code, blank.err_lines) == (
        1,
        ["error: examples: an intent needs at least one example phrase"],
    )
    assert cli.run("intent", "remove", "--tenant", "demo", "--name", "wholesale").code == 0
    assert cli.run("intent", "remove", "--tenant", "demo", "--name", "wholesale").code == 1


async def test_chat_uses_gemini_and_its_tools_when_pointed_at_it(cli: Workspace) -> None:
    import asyncio

    from tests.fakes.gemini import FakeGemini

    async with FakeGemini(api_key="local") as gemini:
        gemini.reply_function_call("search_knowledge_base", {"query": "opening hours"})
        gemini.reply_text("We're open Monday to Saturday, 9am to 6pm.")
        result = await asyncio.to_thread(
            cli.run, "chat", stdin="when are you open on saturday?\n", CHATBOT_GEMINI_BASE_URL=gemini.base_url
        )
    assert result.code == 0, result.err
    assert "9am to 6pm" in result.out
    assert gemini.count == 2
    (call,) = cli.query("SELECT tool, success FROM tool_calls")
    assert call == ("search_knowledge_base", 1)
    routes = cli.query(
        "SELECT role, route, intent IS NOT NULL, prompt_tokens > 0 FROM messages WHERE channel_id = "
        "(SELECT id FROM channels WHERE external_id = 'demo-terminal') ORDER BY id"
    )
    assert routes == [("user", "llm", 1, 0), ("assistant", "llm", 0, 1)]
