"""Workflows, their revisions and their webhook endpoints."""
