"""Intent and sentiment scoring: the local scorer, its built-in phrases, and the optional LLM scorer."""
