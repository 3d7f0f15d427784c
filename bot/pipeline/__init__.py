"""The path of a message: accept, inbox, turn (load -> engine -> persist), outbox."""
