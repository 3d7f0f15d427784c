"""A changed secret key as an operator meets it: `serve` refuses to start, `secret rotate` fixes it.

On a real SQLite file, like tests/cli/test_cli.py (whose prepared workspace this reuses); `serve` always
runs in a real subprocess, the other commands in-process.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from tests.cli.test_cli import ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, Workspace, cli, prepared

__all__ = ["cli", "prepared"]

NEW_KEY = Fernet.generate_key().decode()


def file_key(ws: Workspace) -> str:
    """The key `chatbot` generated in the data directory when none was configured."""
    return (ws.data_dir / "secret.key").read_text().strip()


def add_messenger(ws: Workspace, tenant: str, page_id: str, **env: str) -> str:
    """Connect a Messenger page; returns its webhook key."""
    result = ws.run(
        "channel", "add", "--tenant", tenant, "--platform", "messenger", "--page-id", page_id,
        "--name", f"page {page_id}", "--access-token", ACCESS_TOKEN, "--app-secret", APP_SECRET,
        "--verify-token", VERIFY_TOKEN, **env,
    )  # fmt: skip
    assert result.code == 0, result.err
    found = re.search(r"/webhooks/messenger/([A-Za-z0-9_-]+)", result.out)
    assert found is not None
    return found.group(1)


def sealed(ws: Workspace) -> dict[object, object]:
    return dict(ws.query("SELECT id, credentials_encrypted FROM channels WHERE platform = 'messenger'"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers_ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz").status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def serving(ws: Workspace, log: Path, **env: str) -> Iterator[str]:
    """`chatbot serve` in a subprocess until it answers /readyz with 200; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            env=ws.env(CHATBOT_PORT=str(port), **env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not _answers_ready(base):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"not ready within 60 s:\n{log.read_text()}"
                time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_serve_refuses_to_start_naming_the_channels_the_key_cannot_open(cli: Workspace) -> None:
    add_messenger(cli, "acme", "104857600")
    original = file_key(cli)

    result = cli.run_process("serve", CHATBOT_SECRET_KEY=NEW_KEY, CHATBOT_PORT=str(free_port()))

    assert result.code == 2
    assert len(result.err_lines) == 1, result.err
    line = result.err_lines[0]
    assert line.startswith("error: ")
    assert "acme/messenger 'page 104857600'" in line
    assert "CHATBOT_SECRET_KEY" in line
    assert "chatbot secret rotate" in line
    for secret in (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, NEW_KEY, original):
        assert secret not in result.err
        assert secret not in result.out


def test_after_rotate_the_server_starts_with_the_new_key_alone(cli: Workspace, tmp_path: Path) -> None:
    webhook_key = add_messenger(cli, "acme", "104857600")
    old = file_key(cli)
    before = sealed(cli)

    rotated = cli.run("secret", "rotate", CHATBOT_SECRET_KEY=NEW_KEY, CHATBOT_OLD_SECRET_KEY=old)

    assert rotated.code == 0, rotated.err
    assert "re-encrypted the credentials of 1 channel(s) with CHATBOT_SECRET_KEY" in rotated.out
    assert old not in rotated.out + rotated.err
    assert NEW_KEY not in rotated.out + rotated.err
    assert sealed(cli).keys() == before.keys()
    assert set(sealed(cli).values()).isdisjoint(before.values())
    (cli.data_dir / "secret.key").unlink()  # the old key is gone for good

    with serving(cli, tmp_path / "serve.log", CHATBOT_SECRET_KEY=NEW_KEY) as base:
        handshake = httpx.get(
            f"{base}/webhooks/messenger/{webhook_key}",
            params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
        )

    assert handshake.status_code == 200
    assert handshake.text == "1158201444"


def test_rotate_with_a_wrong_old_key_changes_nothing_and_names_the_channels(cli: Workspace) -> None:
    add_messenger(cli, "acme", "104857600")  # stored with the key file
    add_messenger(cli, "demo", "104857601", CHATBOT_SECRET_KEY=NEW_KEY)  # already on the new key
    before = sealed(cli)

    wrong = cli.run(
        "secret", "rotate", "--old-key", Fernet.generate_key().decode(), CHATBOT_SECRET_KEY=NEW_KEY
    )

    assert wrong.code == 1
    assert len(wrong.err_lines) == 1, wrong.err
    assert "acme/messenger 'page 104857600'" in wrong.err_lines[0]
    assert "104857601" not in wrong.err_lines[0]
    assert "nothing was changed" in wrong.err_lines[0]
    assert sealed(cli) == before

    right = cli.run("secret", "rotate", "--old-key", file_key(cli), CHATBOT_SECRET_KEY=NEW_KEY)

    assert right.code == 0, right.err
    assert "2 channel(s)" in right.out


def test_rotate_with_something_that_is_not_a_key_is_a_usage_error(cli: Workspace) -> None:
    add_messenger(cli, "acme", "104857600")
    before = sealed(cli)

    result = cli.run("secret", "rotate", "--old-key", "hunter2", CHATBOT_SECRET_KEY=NEW_KEY)

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "--old-key" in result.err_lines[0]
    assert "hunter2" not in result.err
    assert sealed(cli) == before


def test_rotate_re_encrypts_the_notification_signing_secrets_too(cli: Workspace) -> None:
    set_url = cli.run("tenant", "set", "--tenant", "acme", "--notify-url", "https://hooks.acme.example/x")
    assert set_url.code == 0, set_url.err
    [secret] = re.findall(r"\bwhsec_[A-Za-z0-9_-]+", set_url.out)
    old = file_key(cli)

    rotated = cli.run("secret", "rotate", CHATBOT_SECRET_KEY=NEW_KEY, CHATBOT_OLD_SECRET_KEY=old)

    assert rotated.code == 0, rotated.err
    assert "notification signing secrets of 1 tenant(s)" in rotated.out
    stored = json.loads(str(cli.scalar("SELECT settings FROM tenants WHERE slug = 'acme'")))
    opened = json.loads(Fernet(NEW_KEY.encode()).decrypt(stored["notification_secret"].encode()))
    assert opened == {"secret": secret}
