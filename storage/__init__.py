"""Persistence: engine, typed models, migrations and per-area queries. Imports nothing of ours."""
