"""The lead lifecycle (score, label, stage, customer type, each change audited) and forgetting a customer."""
