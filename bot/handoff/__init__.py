"""Conversation ownership: the state machine, handoff to human agents and back."""
