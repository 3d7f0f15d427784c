"""`chatbot secret generate`: Fernet keys."""

from __future__ import annotations

import click

from bot.security import generate_key


@click.group("secret")
def secret() -> None:
    """Secret keys."""


@secret.command("generate")
def secret_generate() -> None:
    """Print a new Fernet key for CHATBOT_SECRET_KEY."""
    click.echo(generate_key())
