"""Tools the LLM may call: the registry that validates and runs them, and the built-in tools."""
