"""A small app for engine tests: echo, fail, sleep and count, with no network."""

from __future__ import annotations

import asyncio
from typing import Any

from threatflow.apps.sdk import App, Category
from threatflow.errors import ActionError

app = App("testkit", title="Test kit", category=Category.TOOLS,
          description="Actions that make engine behaviour observable in tests")

CALLS: dict[str, int] = {}


@app.action()
async def echo(value: Any = None) -> Any:
    """Return the value."""
    return value


@app.action()
async def fail(message: str = "boom", retryable: bool = False, error_type: str = "vendor",
               times: int = 1000, key: str = "") -> dict[str, Any]:
    """Fail the first ``times`` calls for ``key``, then succeed."""
    count = CALLS[key] = CALLS.get(key, 0) + 1
    if count <= times:
        raise ActionError(message, error_type=error_type, retryable=retryable)
    return {"calls": count}


@app.action()
async def sleep(seconds: float = 0.1) -> dict[str, float]:
    """Sleep, then return how long."""
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@app.action()
def blocking(value: int = 1) -> int:
    """A plain function: runs in a worker thread."""
    return value * 2


@app.action()
async def big(size: int = 1024) -> str:
    """A string of ``size`` characters, to exercise output limits."""
    return "x" * size
