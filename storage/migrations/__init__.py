"""Alembic environment and versions for the schema in storage.models."""
