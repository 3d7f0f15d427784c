"""`chatbot serve --workers N`: refused on SQLite; on PostgreSQL N processes answer on one port and one
scrape of /metrics sums them all.

The PostgreSQL test runs the real `python -m bot serve --workers 2` against the test database, with the
Graph API a fake in this process, and tells the processes apart by the ``pid`` of their JSON log lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.meta import sign
from bot.config import Settings
from bot.security import CredentialBox
from bot.tenancy.demo.seed import DemoReport
from tests.fakes.graph import FakeGraphAPI
from tests.support.cli_workspace import Workspace
from tests.support.platforms import APP_SECRET, PAGE_ID, PAGE_TOKEN, add_messenger_channel
from tests.support.scrapes import parse_scrape, value
from tests.web.test_webhooks import messenger_event

WEBHOOKS = 20


@pytest.mark.parametrize("asked", [["serve", "--workers", "2"], ["serve"]])
def test_more_than_one_worker_on_sqlite_is_refused_in_one_line(tmp_path: Path, asked: list[str]) -> None:
    workspace = Workspace(tmp_path, tmp_path / "chatbot.db")

    result = workspace.run(*asked, CHATBOT_WORKERS="2", CHATBOT_SECRET_KEY=Fernet.generate_key().decode())

    assert result.code == 2
    (line,) = result.err_lines
    assert "PostgreSQL" in line
    assert "CHATBOT_DATABASE_URL" in line
    assert ("--workers 2" if "--workers" in asked else "CHATBOT_WORKERS=2") in line
    assert result.out == ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def access_pids(log: Path, request_line: str) -> set[int]:
    """The processes whose access log has a line starting with ``request_line`` (JSON lines only)."""
    pids = set()
    for raw in log.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            line = json.loads(raw)
            if line["logger"] == "aiohttp.access" and line["message"].startswith(request_line):
                pids.add(int(line["pid"]))
    return pids


async def test_two_workers_on_postgresql_answer_on_one_port_and_one_scrape_sums_them(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    box: CredentialBox,
    demo: DemoReport,
    secret_key: str,
    tmp_path: Path,
) -> None:
    if settings.is_sqlite:
        pytest.skip("several processes on one port is a PostgreSQL deployment (CHATBOT_TEST_POSTGRES_URL)")
    webhook_key = await add_messenger_channel(sessions, box, demo.tenant_id)
    graph = FakeGraphAPI(pages={PAGE_ID: PAGE_TOKEN})
    port = free_port()
    workspace = Workspace(tmp_path, tmp_path / "unused.db")
    env = workspace.env(
        CHATBOT_DATABASE_URL=settings.effective_database_url,
        CHATBOT_SECRET_KEY=secret_key,
        CHATBOT_HOST="127.0.0.1",
        CHATBOT_PORT=str(port),
        CHATBOT_GRAPH_API_BASE=await graph.start(),
        CHATBOT_LOG_FORMAT="json",
        CHATBOT_POLL_INTERVAL_SECONDS="0.25",
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--workers", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    # Each request on a connection of its own, so the kernel picks a process for each.
    base = f"http://127.0.0.1:{port}"
    fresh = httpx.Limits(max_keepalive_connections=0)
    try:
        async with httpx.AsyncClient(base_url=base, limits=fresh, headers={"Connection": "close"}) as http:
            for _ in range(600):
                assert server.poll() is None, log.read_text()[-2000:]
                if len(access_pids(log, "GET /healthz 200")) == 2:
                    break
                for _ in range(4):
                    with contextlib.suppress(httpx.TransportError):  # not listening yet
                        await http.get("/healthz")
                await asyncio.sleep(0.2)
            serving = access_pids(log, "GET /healthz 200")
            assert len(serving) == 2, "both processes should answer on the one port"

            for number in range(WEBHOOKS):
                body = messenger_event(
                    {"message": {"mid": f"m_workers_{number}", "text": f"!hours {number}"}},
                    psid=str(2000000100 + number),
                )
                response = await http.post(
                    f"/webhooks/messenger/{webhook_key}",
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": sign(body, APP_SECRET),
                    },
                )
                assert response.status_code == 200
            scrape = parse_scrape((await http.get("/metrics")).text)

        # Requests went through both processes, and the one scrape counted every one of them.
        assert access_pids(log, "POST /webhooks/messenger/*** 200") == serving
        assert value(scrape, "chatbot_events_accepted_total", platform="messenger") == WEBHOOKS
        assert value(scrape, "chatbot_queue_stats_up") == 1  # the queues are read once, not once per process
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(server.wait, 60)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
        finally:
            await graph.close()
    assert server.stdout is not None
    banner = server.stdout.read().decode()
    server.stdout.close()
    assert code == 0, log.read_text()[-2000:]
    assert "2 worker processes" in banner
    for pid in serving:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # the supervisor stopped its children before it exited
