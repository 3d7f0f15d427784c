"""`chatbot agent create|list|disable|auto-assign` as an operator runs them; a disabled agent's token is
refused by the running API."""

from __future__ import annotations

import asyncio
import json
import re

from pytest_aiohttp import AiohttpClient

from bot.app import create_app
from bot.config import load_settings
from tests.cli.test_cli import Workspace, cli, prepared

__all__ = ["cli", "prepared"]

TOKEN = re.compile(r"\bcba_[A-Za-z0-9_-]{20,}")


def create(ws: Workspace, name: str, *extra: str) -> str:
    result = ws.run("agent", "create", "--tenant", "acme", "--name", name, *extra)
    assert result.code == 0, result.err
    (token,) = TOKEN.findall(result.out)
    return token


def test_list_shows_name_role_active_capacity_and_last_seen(cli: Workspace) -> None:
    create(cli, "Dana", "--role", "admin", "--capacity", "3")
    create(cli, "Sam")

    result = cli.run("agent", "list", "--tenant", "acme")

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "name\trole\tactive\tcapacity\tlast seen",
        "Dana\tadmin\tyes\t3\tnever",
        "Sam\tagent\tyes\t5\tnever",
    ]
    assert TOKEN.search(result.out) is None


def test_list_for_a_tenant_without_agents_says_how_to_add_one(cli: Workspace) -> None:
    result = cli.run("agent", "list", "--tenant", "acme")

    assert result.code == 0, result.err
    assert "chatbot agent create" in result.out


def test_disable_marks_the_agent_inactive_once(cli: Workspace) -> None:
    create(cli, "Dana")

    first = cli.run("agent", "disable", "--tenant", "acme", "--name", "Dana")
    second = cli.run("agent", "disable", "--tenant", "acme", "--name", "Dana")
    unknown = cli.run("agent", "disable", "--tenant", "acme", "--name", "Nobody")

    assert (first.code, second.code) == (0, 0)
    assert "disabled" in first.out
    assert "already disabled" in second.out
    assert unknown.code == 1
    assert "Nobody" in unknown.err
    assert "Dana\tagent\tno\t5\tnever" in cli.run("agent", "list", "--tenant", "acme").out


def test_a_capacity_out_of_range_is_a_usage_error(cli: Workspace) -> None:
    result = cli.run("agent", "create", "--tenant", "acme", "--name", "Dana", "--capacity", "-1")

    assert result.code == 2
    assert cli.scalar("SELECT count(*) FROM agents") == 0


def test_auto_assign_is_switched_on_and_off(cli: Workspace) -> None:
    on = cli.run("agent", "auto-assign", "--tenant", "acme", "--on")
    assert on.code == 0, on.err
    settings = json.loads(str(cli.scalar("SELECT settings FROM tenants WHERE slug = 'acme'")))
    assert settings["auto_assign"] is True

    off = cli.run("agent", "auto-assign", "--tenant", "acme", "--off")
    assert off.code == 0, off.err
    settings = json.loads(str(cli.scalar("SELECT settings FROM tenants WHERE slug = 'acme'")))
    assert settings["auto_assign"] is False
    assert cli.run("agent", "auto-assign", "--tenant", "acme").code == 2


async def test_a_disabled_agents_token_is_refused_by_the_api(
    cli: Workspace, aiohttp_client: AiohttpClient
) -> None:
    token = create(cli, "Dana")
    settings = load_settings({}, data_dir=cli.data_dir, database_url=f"sqlite:///{cli.db_path}")
    client = await aiohttp_client(create_app(settings))
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/agent/me", headers=headers)).status == 200

    # In a thread: the server keeps running (and committing) while the command waits for its turn to write.
    disabled = await asyncio.to_thread(cli.run, "agent", "disable", "--tenant", "acme", "--name", "Dana")
    assert disabled.code == 0, disabled.err

    assert (await client.get("/api/v1/agent/me", headers=headers)).status == 401
    listed = await asyncio.to_thread(cli.run, "agent", "list", "--tenant", "acme")
    assert "Dana\tagent\tno\t5\t" in listed.out  # seen once, now disabled
    assert "never" not in listed.out
