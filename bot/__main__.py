"""`python -m bot` runs the `chatbot` command line."""

from bot.cli import main

main()
