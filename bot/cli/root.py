"""The `chatbot` command line: one click group, one module per noun.

Exit codes: 0 success; 1 the request could not be carried out (unknown tenant, bad file, rows rejected);
2 bad usage or configuration; 3 the database cannot be reached or has no schema yet.
"""

from __future__ import annotations

import click

from bot.cli.agent_commands import agent
from bot.cli.apikey_commands import apikey
from bot.cli.bot_commands import bot_group, intent_group
from bot.cli.channel_commands import channel
from bot.cli.chat_command import chat
from bot.cli.credits_commands import credits_group
from bot.cli.customer_commands import customer
from bot.cli.db_commands import db
from bot.cli.demo_command import demo
from bot.cli.inbox_commands import inbox
from bot.cli.kb_commands import kb
from bot.cli.outbox_commands import outbox
from bot.cli.report_commands import report
from bot.cli.secret_commands import secret
from bot.cli.server_commands import serve
from bot.cli.tenant_commands import tenant


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chatbot-runtime")
def main() -> None:
    """Multi-tenant chatbot runtime for Messenger, WhatsApp and GroupMe."""


for command in (
    serve,
    chat,
    db,
    demo,
    tenant,
    apikey,
    agent,
    customer,
    channel,
    bot_group,
    intent_group,
    kb,
    inbox,
    outbox,
    report,
    secret,
    credits_group,
):
    main.add_command(command)
