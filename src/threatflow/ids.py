"""Identifiers and timestamps shared by every slice."""

from __future__ import annotations

import random
import secrets
import time
from datetime import UTC, datetime


def new_id() -> str:
    """A time-ordered identifier (UUID version 7 layout, 32 hex digits).

    Ordering by id matches ordering by creation time, which keeps cursor pagination and
    the primary-key index cheap.
    """
    ms = time.time_ns() // 1_000_000
    # uniqueness, not secrecy, is needed here (tokens use ``secrets``); getrandbits avoids a
    # system call per id, and the random module reseeds itself after a fork
    rand = random.getrandbits(76)
    value = (ms << 80) | (0x7 << 76) | (rand & ((1 << 76) - 1))
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return f"{value:032x}"


def new_token(nbytes: int = 24) -> str:
    """An unguessable URL-safe token (hook ids, API tokens)."""
    return secrets.token_urlsafe(nbytes)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every one we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def iso(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat().replace("+00:00", "Z") if value else None
