"""`chatbot channel add|list|rotate-key`: connect a platform channel, list them, replace a webhook key."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import in_session, settings_or_exit
from bot.errors import AdminError
from bot.security import CredentialBox, resolve_secret_key
from bot.tenancy.channel_admin import rotate_webhook_key
from bot.tenancy.channel_setup import PLATFORM_FIELDS, ChannelRequest, add_channel, webhook_url
from bot.tenancy.config_errors import ConfigRefused, NotFound
from bot.tenancy.tenant_accounts import require_tenant
from storage import channels
from storage.models import Channel


@click.group("channel")
def channel() -> None:
    """Platform channels."""


@channel.command("add")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--platform", required=True, type=click.Choice(["messenger", "whatsapp", "groupme", "console"]))
@click.option("--name", default=None, help="A label for the channel.")
@click.option("--bot", "bot_name", default=None, help="Bot that answers (default: the tenant's first bot).")
@click.option("--page-id", default=None, help="Messenger: the Facebook page id.")
@click.option("--phone-number-id", default=None, help="WhatsApp: the phone number id.")
@click.option("--bot-id", "groupme_bot_id", default=None, help="GroupMe: the bot id.")
@click.option("--group-id", default=None, help="GroupMe: the group id.")
@click.option(
    "--access-token", default=None, envvar="CHATBOT_CHANNEL_ACCESS_TOKEN", help="Platform access token."
)
@click.option("--app-secret", default=None, envvar="CHATBOT_CHANNEL_APP_SECRET", help="Meta app secret.")
@click.option(
    "--verify-token", default=None, envvar="CHATBOT_CHANNEL_VERIFY_TOKEN", help="Meta verify token."
)
@click.option(
    "--app-id", default=None, help="Meta app id: echoes of this app's own sends are not recorded twice."
)
@click.option(
    "--window-template", default=None, help="WhatsApp: template to send when the 24-hour window has closed."
)
@click.option("--template-language", default=None, help="WhatsApp: that template's language code (en_US).")
@click.option(
    "--answer-mode",
    default=None,
    type=click.Choice(["mention", "prefix", "all"]),
    help="GroupMe: when the bot answers: named or a command (mention), commands only (prefix), or all.",
)
@click.option("--command-prefix", default=None, help="GroupMe: what starts a command (default !).")
@click.option(
    "--inbox-app-id",
    default=None,
    help="Messenger: the inbox app handed conversations are passed to with the Handover Protocol "
    "(the Page Inbox is 263902037430900).",
)
def channel_add(tenant_slug: str, platform: str, **options: str | None) -> None:
    """Connect a channel; prints its webhook URL (secrets are stored encrypted, never printed)."""
    settings = settings_or_exit()
    box = CredentialBox(resolve_secret_key(settings))
    request = ChannelRequest(
        platform=platform,
        name=options["name"],
        bot_name=options["bot_name"],
        external_id=options["page_id"] or options["phone_number_id"] or options["groupme_bot_id"],
        group_id=options["group_id"],
        secrets={
            k: v for k in ("access_token", "app_secret", "verify_token") if (v := options[k]) is not None
        },
        settings={
            "app_id": options["app_id"],
            "window_template": options["window_template"],
            "window_template_language": options["template_language"],
            "answer_mode": options["answer_mode"],
            "command_prefix": options["command_prefix"],
            "inbox_app_id": options["inbox_app_id"],
        },
    )

    async def work(session: AsyncSession) -> tuple[int, str]:
        owner = await require_tenant(session, tenant_slug)
        try:
            created = await add_channel(session, box, tenant=owner, request=request)
        except ConfigRefused as exc:
            if exc.field is None:
                raise
            raise AdminError(f"{exc.message} (give {_option(platform, exc.field)})") from None
        return created.id, webhook_url(settings.effective_public_url, created)

    channel_id, url = in_session(settings, work)
    click.echo(f"{platform} channel added for tenant {tenant_slug!r} (id {channel_id})")
    click.echo(f"webhook URL: {url}")


@channel.command("list")
@click.option("--tenant", "tenant_slug", required=True)
def channel_list(tenant_slug: str) -> None:
    """The tenant's channels: id, platform, platform id, enabled, name (never a key or a secret)."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[Channel]:
        owner = await require_tenant(session, tenant_slug)
        return sorted(await channels.list_channels(session, owner.id), key=lambda row: row.id)

    for row in in_session(settings, work, only_reads=True):
        state = "enabled" if row.enabled else "disabled"
        click.echo(f"{row.id}\t{row.platform}\t{row.external_id}\t{state}\t{row.name}")


@channel.command("rotate-key")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--channel", "channel_id", type=click.IntRange(min=1), required=True, help="The channel's id.")
def channel_rotate_key(tenant_slug: str, channel_id: int) -> None:
    """Give a channel a new webhook key, for a URL that leaked; prints the new webhook URL once.

    The old URL is refused (404, as an unknown key) from the moment this finishes, in every server
    process: give the platform the new URL at once (Meta: the app's callback URL; GroupMe: the bot's
    callback URL). The ids are in `chatbot channel list`.
    """
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> tuple[str, str]:
        owner = await require_tenant(session, tenant_slug)
        try:
            rekeyed = await rotate_webhook_key(session, owner.id, channel_id, if_match=None)
        except NotFound:
            raise AdminError(
                f"tenant {tenant_slug!r} has no channel {channel_id} "
                f"(list them with: chatbot channel list --tenant {tenant_slug})"
            ) from None
        return rekeyed.platform, webhook_url(settings.effective_public_url, rekeyed)

    platform, url = in_session(settings, work)
    click.echo(
        f"{platform} channel {channel_id} of tenant {tenant_slug!r}: new webhook key; the old URL is refused"
    )
    click.echo(f"webhook URL: {url}")
    click.echo("  (give it to the platform now; no command shows it again)")


def _option(platform: str, field: str) -> str:
    """The option of this command that sets the admin API's ``field`` (``credentials.app_secret``)."""
    name = PLATFORM_FIELDS[platform][0] if field == "external_id" else field.rpartition(".")[2]
    return "--" + name.replace("_", "-")
