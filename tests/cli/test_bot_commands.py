"""`chatbot bot set`: the rules are the admin API's (one pydantic model); an empty text means the default."""

from __future__ import annotations

import json

from tests.cli.test_cli import Workspace, cli, prepared

__all__ = ["cli", "prepared"]


def test_an_empty_text_or_model_goes_back_to_the_default(cli: Workspace) -> None:
    set_texts = cli.run(
        "bot", "set", "--tenant", "demo", "--fallback-text", "Sorry!", "--handoff-text", "A person comes.",
        "--model", "gemini-x",
    )  # fmt: skip
    assert set_texts.code == 0, set_texts.err
    assert json.loads(set_texts.out)["fallback_text"] == "Sorry!"

    cleared = cli.run(
        "bot", "set", "--tenant", "demo", "--fallback-text", "", "--handoff-text", "", "--model", ""
    )

    assert cleared.code == 0, cleared.err
    shown = json.loads(cli.run("bot", "show", "--tenant", "demo").out)
    assert (shown["fallback_text"], shown["handoff_text"]) == (None, None)
    assert shown["model"] == "(the server's CHATBOT_GEMINI_MODEL)"


def test_a_value_out_of_range_names_both_ends_and_changes_nothing(cli: Workspace) -> None:
    refused = cli.run("bot", "set", "--tenant", "demo", "--max-tool-rounds", "11", "--temperature", "1")

    assert refused.code == 1
    assert refused.err_lines == ["error: max_tool_rounds must be between 0 and 10, got 11"]
    assert json.loads(cli.run("bot", "show", "--tenant", "demo").out)["max_tool_rounds"] == 3
