"""`chatbot apikey create|list|revoke`: an operator manages a tenant's API keys from the command line."""

from __future__ import annotations

import re

from tests.cli.test_cli import API_KEY, Workspace, cli, prepared

__all__ = ["cli", "prepared"]


def test_a_key_is_created_listed_and_revoked(cli: Workspace) -> None:
    created = cli.run("apikey", "create", "--tenant", "acme", "--name", "shop checkout")

    assert created.code == 0, created.err
    [key] = API_KEY.findall(created.out)
    assert "shown once" in created.out
    assert key.encode() not in cli.db_path.read_bytes()
    key_id = re.search(r"\(id (\d+)\)", created.out)
    assert key_id is not None

    listed = cli.run("apikey", "list", "--tenant", "acme")
    assert listed.code == 0, listed.err
    lines = listed.out.splitlines()
    assert lines[0] == "id\tname\tprefix\tcreated\tlast used\trevoked"
    assert lines[1].startswith(f"{key_id[1]}\tshop checkout\t{key[:12]}...\t")
    assert lines[1].endswith("\tnever\tno")
    assert key not in listed.out

    revoked = cli.run("apikey", "revoke", "--tenant", "acme", "--id", key_id[1])
    assert revoked.code == 0, revoked.err
    assert "refused from now on" in revoked.out
    after = cli.run("apikey", "list", "--tenant", "acme").out.splitlines()[1]
    assert re.search(r"\t\d{4}-\d\d-\d\d \d\d:\d\d UTC$", after)


def test_an_unknown_key_or_an_empty_name_is_refused_in_one_line(cli: Workspace) -> None:
    unknown = cli.run("apikey", "revoke", "--tenant", "acme", "--id", "99999")
    assert unknown.code == 1
    assert unknown.err_lines == ["error: no API key 99999"]

    nameless = cli.run("apikey", "create", "--tenant", "acme", "--name", " ")
    assert nameless.code == 1
    assert len(nameless.err_lines) == 1
    assert "name" in nameless.err
