"""Prompt templates shipped as UTF-8 text files, loaded by name and cached."""

from __future__ import annotations

import functools
import re
from importlib import resources

__all__ = ["PromptNotFound", "load"]

# Names are plain identifiers so a caller can never reach outside the package ("../secrets").
_PROMPT_NAME = re.compile(r"[a-z0-9_]+")


class PromptNotFound(KeyError):
    """No prompt of that name ships with the package."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        # KeyError's own __str__ shows repr(args); say what is missing in a readable line instead.
        return f"no prompt named {self.name!r} in the prompts package"


@functools.cache
def load(name: str) -> str:
    """Return the text of ``prompts/<name>.txt`` without its trailing newline."""
    if not _PROMPT_NAME.fullmatch(name):
        raise PromptNotFound(name)
    resource = resources.files(__name__).joinpath(f"{name}.txt")
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PromptNotFound(name) from exc
    return text.strip()
