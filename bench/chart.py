"""The benchmark's chart: an SVG drawn by hand (there is no plotting library), and a PNG of it taken
with Playwright driving Debian's chromium when it is installed (the same browser the tests use).
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from bench.stats import Spread

if TYPE_CHECKING:
    from bench.report import Results

WIDTH, ROW, TOP, LEFT, PANEL = 980, 26, 58, 110, 330
COLOURS = {"ack p50": "#8fb8de", "ack p99": "#2b6cb0", "end-to-end p99": "#dd6b20"}
CHROMIUM = os.environ.get("CHATBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _log_x(value: float, low: float, high: float) -> float:
    """Where ``value`` falls on a log axis from ``low`` to ``high``, as a fraction of the panel."""
    value = min(max(value, low), high)
    return (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))


def _axis(low: float, high: float) -> list[float]:
    ticks, value = [], 10 ** math.floor(math.log10(low))
    while value <= high * 1.0001:
        if value >= low * 0.9999:
            ticks.append(value)
        value *= 10
    return ticks


def _bounds(values: list[float]) -> tuple[float, float]:
    present = [v for v in values if v > 0 and not math.isnan(v)] or [1.0]
    return 10 ** math.floor(math.log10(min(present))), 10 ** math.ceil(math.log10(max(present)) + 1e-9)


def render_svg(results: Results) -> str:
    from bench.report import FIGURES

    figures = {figure.key: figure for figure in FIGURES}
    scenarios = results.load_scenarios()  # the memory scenario has no rate or latency
    rates = {s: results.spread(s, figures["rate"]) for s in scenarios}
    series = {
        "ack p50": {s: results.spread(s, figures["ack_p50_half"]) for s in scenarios},
        "ack p99": {s: results.spread(s, figures["ack_p99_half"]) for s in scenarios},
        "end-to-end p99": {s: results.spread(s, figures["e2e_p99_half"]) for s in scenarios},
    }
    height = TOP + len(scenarios) * ROW * 3 + 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        '<text x="10" y="20" font-size="15" font-weight="bold">Throughput and latency: chatbot serve against'
        " its anchors (median, whiskers min-max; log scales)</text>",
    ]
    # Left: throughput per scenario.
    low, high = _bounds([r.high for r in rates.values()] + [r.low for r in rates.values()])
    parts.append(_panel_title(LEFT, "peak throughput (replies or requests per second)"))
    parts += _ticks(LEFT, low, high, height, "/s")
    for index, scenario in enumerate(scenarios):
        y = TOP + index * ROW * 3 + ROW
        parts.append(f'<text x="{LEFT - 8}" y="{y + 14}" text-anchor="end">{escape(scenario)}</text>')
        parts += _bar(LEFT, y, rates[scenario], low, high, "#38a169", "/s")
    # Right: latency at half the peak rate.
    left = LEFT + PANEL + 170
    every = [s for group in series.values() for s in group.values()]
    low, high = _bounds([s.high for s in every] + [s.low for s in every])
    parts.append(_panel_title(left, "latency at 50 % of peak (ms)"))
    parts += _ticks(left, low, high, height, " ms")
    for index, scenario in enumerate(scenarios):
        y0 = TOP + index * ROW * 3
        parts.append(f'<text x="{left - 8}" y="{y0 + ROW + 14}" text-anchor="end">{escape(scenario)}</text>')
        for offset, (name, values) in enumerate(series.items()):
            parts += _bar(left, y0 + 6 + offset * 22, values[scenario], low, high, COLOURS[name], " ms", 16)
    legend_y = height - 12
    for offset, (name, colour) in enumerate(COLOURS.items()):
        x = left + offset * 130
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{legend_y}">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _panel_title(left: int, title: str) -> str:
    return f'<text x="{left}" y="{TOP - 22}" font-weight="bold">{escape(title)}</text>'


def _ticks(left: int, low: float, high: float, height: int, unit: str) -> list[str]:
    out = []
    for tick in _axis(low, high):
        x = left + _log_x(tick, low, high) * PANEL
        out.append(f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{height - 60}" stroke="#ddd"/>')
        label = (f"{tick:g}" if tick < 1e5 else f"{tick:.0e}") + (unit if tick == high else "")
        out.append(f'<text x="{x:.1f}" y="{height - 46}" text-anchor="middle" fill="#555">{label}</text>')
    return out


def _bar(
    left: int, y: float, spread: Spread, low: float, high: float, colour: str, unit: str, h: int = 20
) -> list[str]:
    if math.isnan(spread.median) or spread.median <= 0:
        return [f'<text x="{left + 4}" y="{y + h - 4}" fill="#888">not measured</text>']
    width = max(1.0, _log_x(spread.median, low, high) * PANEL)
    lo, hi = (left + _log_x(v, low, high) * PANEL for v in (spread.low, spread.high))
    mid = y + h / 2
    value = f"{spread.median:,.0f}" if spread.median >= 10 else f"{spread.median:.2g}"
    return [
        f'<rect x="{left}" y="{y}" width="{width:.1f}" height="{h}" fill="{colour}"/>',
        f'<line x1="{lo:.1f}" y1="{mid}" x2="{hi:.1f}" y2="{mid}" stroke="black"/>',
        f'<line x1="{lo:.1f}" y1="{mid - 4}" x2="{lo:.1f}" y2="{mid + 4}" stroke="black"/>',
        f'<line x1="{hi:.1f}" y1="{mid - 4}" x2="{hi:.1f}" y2="{mid + 4}" stroke="black"/>',
        f'<text x="{max(width, hi - left) + left + 5:.1f}" y="{mid + 4}">{value}{unit}</text>',
    ]


def write_chart(results: Results, svg_path: Path, *, png: bool = True) -> Path | None:
    """Write the SVG; then its PNG next to it if asked and a browser is there. Returns the PNG or None."""
    svg = render_svg(results)
    svg_path.write_text(svg)
    if not png:
        return None
    png_path = svg_path.with_suffix(".png")
    try:
        if not Path(CHROMIUM).is_file():
            raise FileNotFoundError(f"chromium is not installed (looked for {CHROMIUM})")
        asyncio.run(_screenshot(svg, png_path))
    except Exception as exc:  # the SVG is the chart; the PNG is a convenience
        print(f"bench: no PNG ({type(exc).__name__}: {exc}); the chart is {svg_path}")
        return None
    return png_path


async def _screenshot(svg: str, png: Path, chromium: Path = Path(CHROMIUM)) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = await browser.new_page(device_scale_factor=1.5)
            await page.set_content(f'<html><body style="margin:0">{svg}</body></html>')
            await page.locator("svg").screenshot(path=str(png))
        finally:
            await browser.close()
