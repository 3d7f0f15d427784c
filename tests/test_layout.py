"""The layout rules of DESIGN.md section 2 that import-linter cannot check."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("adapters", "storage", "prompts", "bot")
# Modules every package may have, and generated migrations (numbered, never imported by name).
EXEMPT = {"__init__.py", "__main__.py", "env.py"}


def product_modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name not in EXEMPT and "versions" not in path.parts:
                found.append(path.relative_to(ROOT))
    return found


def test_no_two_modules_share_a_name() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in product_modules():
        by_name[path.name].append(str(path))
    shared = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    assert shared == {}


def test_the_runtime_keeps_its_top_level_small() -> None:
    top = sorted(path.name for path in (ROOT / "bot").glob("*.py"))
    assert top == [
        "__init__.py",
        "__main__.py",
        "app.py",
        "backoff.py",
        "config.py",
        "errors.py",
        "runtime.py",
        "security.py",
    ]
