"""Conversions: tracked links and what customers did with them."""
