"""`chatbot tenant create|list|set`: tenants, their settings and their plan."""

from __future__ import annotations

from dataclasses import dataclass

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.credit_periods import REFILLING
from bot.billing.plan_changes import PlanChange, change_plan
from bot.cli.helpers import fail, in_session, secret_once, settings_or_exit
from bot.security import CredentialBox, resolve_secret_key
from bot.tenancy.notification_settings import (
    rotate_notification_secret,
    set_escalation_timeout,
    set_escalation_timeout_text,
    set_notification_url,
)
from bot.tenancy.tenant_accounts import (
    create_tenant,
    list_tenants,
    require_tenant,
    rotate_api_key,
    set_attribution_window,
    set_link_domains,
    set_link_token_param,
)
from storage.models import utcnow
from storage.models.tenant_tables import PLAN_CODES


@click.group("tenant")
def tenant() -> None:
    """Tenants."""


@tenant.command("create")
@click.option("--name", required=True)
@click.option("--slug", required=True, help="Short unique id: lowercase letters, digits, dashes.")
@click.option("--plan", default="free", show_default=True, type=click.Choice(PLAN_CODES))
def tenant_create(name: str, slug: str, plan: str) -> None:
    """Create a tenant; prints its API key once."""
    settings = settings_or_exit()
    created = in_session(settings, lambda s: create_tenant(s, name=name, slug=slug, plan_code=plan))
    click.echo(f"tenant {slug!r} created (id {created.id}, plan {plan})")
    secret_once("API key", created.secret)


@tenant.command("list")
def tenant_list() -> None:
    """List tenants."""
    settings = settings_or_exit()
    for slug, name in in_session(settings, list_tenants):
        click.echo(f"{slug}\t{name}")


@dataclass
class _Changes:
    """What one `tenant set` changed, to report after the transaction committed."""

    lines: list[str]
    secret: str | None = None
    api_key: str | None = None


@tenant.command("set")
@click.option("--tenant", "tenant_slug", required=True)
@click.option(
    "--link-domain",
    "link_domains",
    multiple=True,
    help="A site the bot's tracked links may lead to, with its subdomains (repeatable; replaces the list).",
)
@click.option("--no-link-domains", is_flag=True, help="Allow no link domains: the bot makes no links.")
@click.option(
    "--escalation-timeout",
    "timeout_minutes",
    type=int,
    metavar="MINUTES",
    help="Minutes an escalated conversation may wait unclaimed before the customer is told and the "
    "tenant notified (default 15; 0 turns it off).",
)
@click.option(
    "--escalation-timeout-text",
    "timeout_text",
    metavar="TEXT",
    help="What the customer is told when the wait passes the timeout (empty: the default text).",
)
@click.option(
    "--notify-url",
    metavar="URL",
    help="Where signed notifications are POSTed (http or https; empty removes it and its secret).",
)
@click.option(
    "--rotate-notify-secret",
    is_flag=True,
    help="Make a new signing secret (printed once; the old one stops).",
)
@click.option(
    "--attribution-window",
    "attribution_days",
    type=int,
    metavar="DAYS",
    help="How many days after the bot's last reply a sale in its conversation is owed to it (default 7).",
)
@click.option(
    "--link-token-param",
    "token_param",
    metavar="NAME",
    help="Add the tracked link's token to its target as ?NAME=<token>, for the shop to report sales by "
    "(empty: not added, the default).",
)
@click.option(
    "--rotate-api-key",
    "rotate_api_key_flag",
    is_flag=True,
    help="Make a new API key (printed once); the old one is refused from now on.",
)
@click.option(
    "--plan",
    "plan_code",
    type=click.Choice(PLAN_CODES),
    help="Move the tenant to this plan now. Its rate limits and overage rule apply from the next turn. "
    "An upgrade adds the difference in plan credits to the current period (they expire at its end) and, "
    "on an active subscription, bills the difference in price; a trial gets the credits unbilled. A "
    "downgrade keeps the period's credits (nothing taken back or refunded); the new plan's credits and "
    "price come with the next period. Past-due or canceled subscriptions get no credits and no bill.",
)
def tenant_set(
    tenant_slug: str,
    link_domains: tuple[str, ...],
    no_link_domains: bool,
    timeout_minutes: int | None,
    timeout_text: str | None,
    notify_url: str | None,
    rotate_notify_secret: bool,
    attribution_days: int | None,
    token_param: str | None,
    rotate_api_key_flag: bool,
    plan_code: str | None,
) -> None:
    """Change a tenant's settings, or its plan (see --plan; `chatbot credits show` shows the result)."""
    if link_domains and no_link_domains:
        fail("give either --link-domain or --no-link-domains, not both", 2)
    if notify_url is not None and not notify_url.strip() and rotate_notify_secret:
        fail("give either an empty --notify-url (removes it) or --rotate-notify-secret, not both", 2)
    others = (timeout_minutes, timeout_text, notify_url, attribution_days, token_param, plan_code)
    if (
        not link_domains
        and not no_link_domains
        and all(v is None for v in others)
        and not rotate_notify_secret
        and not rotate_api_key_flag
    ):
        fail(
            "nothing to change: give --link-domain (repeatable), --no-link-domains, --escalation-timeout, "
            "--escalation-timeout-text, --notify-url, --rotate-notify-secret, --attribution-window, "
            "--link-token-param, --rotate-api-key or --plan",
            2,
        )
    settings = settings_or_exit()
    box = CredentialBox(resolve_secret_key(settings))

    async def work(session: AsyncSession) -> _Changes:
        found = await require_tenant(session, tenant_slug)
        changes = _Changes([])
        if link_domains or no_link_domains:
            domains = await set_link_domains(session, found, link_domains)
            changes.lines.append(
                f"tracked links may lead to {', '.join(domains)} and their subdomains"
                if domains
                else "no link domains allowed; the bot makes no tracked links"
            )
        if timeout_minutes is not None:
            minutes = await set_escalation_timeout(session, found, timeout_minutes)
            changes.lines.append(
                f"a conversation unclaimed for {minutes} minutes is flagged, its customer told"
                if minutes
                else "escalation timeout off"
            )
        if timeout_text is not None:
            await set_escalation_timeout_text(session, found, timeout_text)
            changes.lines.append(
                "escalation timeout text set"
                if timeout_text.strip()
                else "escalation timeout text back to the default"
            )
        if notify_url is not None:
            change = await set_notification_url(session, box, found, notify_url)
            changes.secret = change.new_secret
            changes.lines.append(
                f"notifications go to {change.url}" if change.url else "notification URL and secret removed"
            )
        if rotate_notify_secret:
            changes.secret = await rotate_notification_secret(session, box, found)
            changes.lines.append("new notification signing secret; the old one no longer verifies")
        if attribution_days is not None:
            days = await set_attribution_window(session, found, attribution_days)
            changes.lines.append(f"a sale up to {days} days after the bot's last reply is owed to that reply")
        if token_param is not None:
            param = await set_link_token_param(session, found, token_param)
            changes.lines.append(
                f"tracked links lead to their target with ?{param}=<token>"
                if param
                else "tracked links lead to their target as it is"
            )
        if rotate_api_key_flag:
            changes.api_key = await rotate_api_key(session, found)
            changes.lines.append("new API key; the old one is refused from now on")
        if plan_code is not None:
            changes.lines.extend(_plan_lines(await change_plan(session, found, plan_code, now=utcnow())))
        return changes

    done = in_session(settings, work)
    for line in done.lines:
        click.echo(f"tenant {tenant_slug!r}: {line}")
    if done.secret is not None:
        secret_once(
            "notification signing secret", done.secret, stored="it is stored encrypted and never shown again"
        )
    if done.api_key is not None:
        secret_once("API key", done.api_key)


def _plan_lines(change: PlanChange) -> list[str]:
    if change.unchanged:
        return [f"already on the {change.new_plan} plan; nothing changed"]
    lines = [f"plan {change.old_plan} -> {change.new_plan} from now (its rate limits from the next turn)"]
    period_end = f"{change.period_end:%Y-%m-%d %H:%M} UTC"
    if change.status not in REFILLING:
        lines.append(f"the subscription is {change.status}: no credits added, nothing billed")
    elif change.credits_added:
        billing = f"billed {change.billed:.2f} USD" if change.billed else "not billed"
        if change.status == "trialing":
            billing += " (trial)"
        lines.append(
            f"{change.credits_added} plan credits added for this period (they expire at its end, "
            f"{period_end}); {billing}"
        )
    else:
        lines.append(
            f"this period keeps its credits; the {change.new_plan} plan's own credits and price "
            f"from the next period, {period_end}"
        )
    return lines
