"""What the operator sees of a running process: Prometheus metrics and the ids log lines carry."""
