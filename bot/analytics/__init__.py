"""Read-only reports of what a tenant's bots did and earned: figures, tables and charts."""
