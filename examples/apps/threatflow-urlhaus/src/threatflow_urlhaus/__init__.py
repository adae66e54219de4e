"""Threatflow app for abuse.ch URLhaus, found by Threatflow through its ``threatflow.apps``
entry point."""

from __future__ import annotations

from threatflow_urlhaus.actions import app

__all__ = ["app"]
