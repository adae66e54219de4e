"""Webhook intake: the first door of the data exchange framework."""
