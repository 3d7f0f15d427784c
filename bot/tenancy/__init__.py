"""Tenants, channels, bots, knowledge and agents: the services that the CLI and the admin API share."""
