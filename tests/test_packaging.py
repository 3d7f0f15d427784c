"""What a non-editable install carries besides the modules: the prompts and the migrations, all of them."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
PACKAGES: list[str] = [name.rstrip("*") for name in SETUPTOOLS["packages"]["find"]["include"]]
PACKAGE_DATA: dict[str, list[str]] = SETUPTOOLS["package-data"]
PATTERNS = [(package, pattern) for package, patterns in PACKAGE_DATA.items() for pattern in patterns]


def shipped_data() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for package, pattern in PATTERNS
        for path in (ROOT / package).glob(pattern)
    }


def needs_shipping(path: Path) -> bool:
    """Data files, and Python files outside any package (setuptools would not pick those up)."""
    return path.suffix != ".py" or not (path.parent / "__init__.py").exists()


@pytest.mark.parametrize(("package", "pattern"), PATTERNS, ids=[f"{p}:{g}" for p, g in PATTERNS])
def test_every_package_data_pattern_names_files_that_exist(package: str, pattern: str) -> None:
    assert list((ROOT / package).glob(pattern)), f"{package}: {pattern} matches nothing"


def test_the_prompts_and_every_migration_are_shipped() -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *PACKAGES], cwd=ROOT, capture_output=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    tracked = [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    wanted = {path.relative_to(ROOT).as_posix() for path in tracked if needs_shipping(path)}

    assert wanted - shipped_data() == set()
    assert {"prompts/system.txt", "storage/migrations/versions/0001_initial_schema.py"} <= wanted
