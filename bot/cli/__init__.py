"""The `chatbot` command line (a front door: nothing else imports it); `bot.cli.root:main` is the entry."""
