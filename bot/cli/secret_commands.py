"""`chatbot secret generate|rotate`: Fernet keys and re-encrypting the stored credentials."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import fail, in_session, settings_or_exit
from bot.config import ConfigError
from bot.security import CredentialBox, describe_key_source, generate_key, parse_key, resolve_secret_key
from bot.tenancy.credential_keys import rotate_credentials
from bot.tenancy.notification_settings import reseal_notification_secrets


@click.group("secret")
def secret() -> None:
    """Secret keys."""


@secret.command("generate")
def secret_generate() -> None:
    """Print a new Fernet key for CHATBOT_SECRET_KEY."""
    click.echo(generate_key())


@secret.command("rotate")
@click.option(
    "--old-key",
    required=True,
    envvar="CHATBOT_OLD_SECRET_KEY",
    show_envvar=True,
    help="The key the credentials were stored with (the variable keeps it out of shell history).",
)
def secret_rotate(old_key: str) -> None:
    """Re-encrypt every channel's credentials and tenant's signing secret with the configured key."""
    settings = settings_or_exit()
    try:
        old = parse_key(old_key, "--old-key (CHATBOT_OLD_SECRET_KEY)")
    except ConfigError as exc:
        fail(str(exc), 2)
    box = CredentialBox(resolve_secret_key(settings))

    async def work(session: AsyncSession) -> tuple[int, int]:
        channels = await rotate_credentials(session, box, old_keys=[old])
        return channels, await reseal_notification_secrets(session, box, old_keys=[old])

    count, notification_secrets = in_session(settings, work)
    also = (
        f" and the notification signing secrets of {notification_secrets} tenant(s)"
        if notification_secrets
        else ""
    )
    click.echo(
        f"re-encrypted the credentials of {count} channel(s){also} with {describe_key_source(settings)}; "
        "the old key is no longer needed"
    )
