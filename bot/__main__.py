"""`python -m bot` runs the `chatbot` command line."""

from bot.cli.root import main

main()
