"""`chatbot report` as an operator runs it on the fixture tenant: tables to read, the JSON the API will
serve (equal to the figures computed by hand), a PNG chart with its panels drawn, and one-line errors.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import struct
from contextlib import closing
from pathlib import Path

import pytest
from PIL import Image

from tests.analytics.fixture_loading import at, fixture_data, load_into
from tests.analytics.hand_figures import hand_figures
from tests.analytics.test_report_figures import comparable
from tests.cli.test_cli import Workspace, cli, prepared

__all__ = ["cli", "prepared"]

MARCH = ("--tenant", "harbour", "--since", "2026-03-01", "--until", "2026-04-01")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def shop(cli: Workspace) -> Workspace:
    """The CLI's workspace with the fixture's two tenants (harbour, other) loaded beside demo and acme."""
    asyncio.run(load_into(f"sqlite:///{cli.db_path}"))
    return cli


def cells(out: str, first: str) -> list[str]:
    """The cells of the table row that starts with ``first`` (cells are two or more spaces apart)."""
    for line in out.splitlines():
        if line.strip().startswith(first + "  "):
            return [cell.strip() for cell in line.strip().split("  ") if cell.strip()]
    raise AssertionError(f"no row {first!r} in:\n{out}")


def test_the_table_shows_each_bot_and_the_service_figures(shop: Workspace) -> None:
    result = shop.run("report", *MARCH)

    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[0] == "Harbour Coffee (harbour), 2026-03-01 00:00 UTC to 2026-04-01 00:00 UTC"
    assert cells(result.out, "Bean") == [
        "Bean", "6", "4", "1", "66.7 %", "EUR 20.00, USD 73.00", "4", "USD 0.04", "EUR 500.00, USD 1,825.00",
    ]  # fmt: skip
    assert cells(result.out, "Idle") == ["Idle", "0", "0", "0", "-", "-", "0", "USD 0.00", "-"]
    assert "Revenue: 8 purchases, EUR 27.25, USD 170.50 (not attributed to a bot turn: USD 40.00)" in lines
    assert cells(result.out, "checkout") == ["checkout", "4", "USD 118.50"]
    assert cells(result.out, "intake") == ["intake", "3", "33.3 %"]
    assert cells(result.out, "Coffee Club") == ["Coffee Club", "3", "2", "2", "3", "1", "USD 18.00", "1.63"]
    assert "  time to claim        median 7m 00s, p90 30m 00s (4 of 5 handoffs claimed)" in lines
    assert "  containment          57.1 % (4 of 7 ended without a human)" in lines
    assert "  CSAT                 4.00 mean of 4 ratings; 1: 0  2: 1  3: 0  4: 1  5: 2" in lines
    assert "Other Roasters" not in result.out


def test_json_is_the_hand_computed_report(shop: Workspace) -> None:
    result = shop.run("report", *MARCH, "--format", "json")

    assert result.code == 0, result.err
    served = json.loads(result.out)
    assert served["tenant_slug"] == "harbour"
    assert served["period"] == {"since": "2026-03-01T00:00:00+00:00", "until": "2026-04-01T00:00:00+00:00"}
    expected = hand_figures(fixture_data(), "harbour", at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z"))
    assert comparable(served) == comparable(expected)


def set_timezone(ws: Workspace, slug: str, zone: str) -> None:
    with closing(sqlite3.connect(ws.db_path)) as conn, conn:
        conn.execute("UPDATE tenants SET timezone = ? WHERE slug = ?", (zone, slug))


def test_dates_are_read_in_the_tenants_timezone(shop: Workspace) -> None:
    set_timezone(shop, "harbour", "America/New_York")
    with_zone = shop.run("report", *MARCH, "--format", "json")
    set_timezone(shop, "harbour", "Mars/Olympus")
    unknown_zone = shop.run("report", *MARCH, "--format", "json")

    assert with_zone.code == 0, with_zone.err
    # Midnight in New York (UTC-5 in winter, UTC-4 from March 8).
    assert json.loads(with_zone.out)["period"] == {
        "since": "2026-03-01T05:00:00+00:00",
        "until": "2026-04-01T04:00:00+00:00",
    }
    assert json.loads(unknown_zone.out)["period"]["since"] == "2026-03-01T00:00:00+00:00"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_draws_the_four_panels_into_a_png(shop: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "report.png"

    result = shop.run("report", *MARCH, "--format", "json", "--chart", str(out))

    assert result.code == 0, result.err
    json.loads(result.out)  # stdout stays pure JSON; the note goes to stderr
    assert result.err_lines == [f"chart written to {out}"]
    assert png_size(out) == (1400, 1000)
    assert 30_000 < out.stat().st_size < 1_000_000
    with Image.open(out) as image:
        colours = {colour for _count, colour in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert (0x4C, 0x78, 0xA8) in colours  # the bars
    assert (0xF5, 0x85, 0x18) in colours  # ROI per bot


def test_chart_of_a_tenant_without_data_says_so_instead_of_failing(cli: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "demo.png"

    # The demo seeds a week of sales before today: a period long before them has nothing in it.
    result = cli.run("report", "--since", "2020-01-01", "--until", "2020-02-01", "--chart", str(out))

    assert result.code == 0, result.err
    assert result.out.startswith("Demo Coffee Roasters (demo), 2020-01-01 00:00 UTC to 2020-02-01 00:00 UTC")
    assert "Revenue: 0 purchases, -" in result.out
    assert result.out.rstrip().endswith(f"chart written to {out}")
    assert png_size(out) == (1400, 1000)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--tenant", "nobody"), 1, "error: no tenant with slug 'nobody'"),
        (("--since", "2026-04-01", "--until", "2026-03-01"), 2, "error: --since must be before --until"),
        (("--since", "last tuesday"), 2, "Invalid value for '--since'"),
    ],
)
def test_bad_requests_fail_with_one_line(
    cli: Workspace, args: tuple[str, ...], code: int, message: str
) -> None:
    result = cli.run("report", *args)

    assert result.code == code
    assert message in result.err
    assert "Traceback" not in result.err


def test_a_chart_that_cannot_be_written_fails_with_one_line(shop: Workspace, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "chart.png"

    result = shop.run("report", *MARCH, "--chart", str(missing))

    assert result.code == 1
    assert result.err_lines == [f"error: cannot write the chart to {missing}: No such file or directory"]
