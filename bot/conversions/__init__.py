"""Conversions: tracked links, the sales shops report, and the bot turns and touches they are owed to."""
