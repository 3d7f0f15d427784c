"""The workspace every CLI test copies, prepared once per session by real `python -m bot` processes."""

from __future__ import annotations

import pytest

from tests.support.cli_workspace import Prepared, prepare


@pytest.fixture(scope="session")
def prepared_once(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    return prepare(tmp_path_factory.mktemp("prepared"))
