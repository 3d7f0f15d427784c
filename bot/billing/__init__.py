"""Billing: plans, subscriptions, credits, rate limits, usage and billing events."""
