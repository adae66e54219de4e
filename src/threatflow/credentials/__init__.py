"""Credentials: named, typed by app, encrypted at rest."""
