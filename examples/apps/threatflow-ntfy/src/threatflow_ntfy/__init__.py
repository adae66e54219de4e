"""Threatflow app for ntfy push notifications, found by Threatflow through its
``threatflow.apps`` entry point."""

from __future__ import annotations

from threatflow_ntfy.actions import app

__all__ = ["app"]
