"""The demo tenant: its content and the idempotent seeding of it."""
