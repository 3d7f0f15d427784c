"""Platform edge: wire formats in, wire formats out. Imports nothing of ours."""
