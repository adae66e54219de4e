"""The process-wide outbound HTTP client.

httpcore's connection pool scans every queued request and every idle connection (probing
each socket) on each request, so its cost grows with the square of what is in flight: at 64
concurrent requests one client served ten times fewer requests a second than at one. A gate
in front of the pool keeps what reaches it small; waiting at the gate is a cheap semaphore.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


class GatedClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that lets at most ``in_flight`` requests into its pool."""

    def __init__(self, in_flight: int = 8, **kwargs: Any) -> None:
        kwargs.setdefault("limits", httpx.Limits(max_connections=in_flight * 4,
                                                 max_keepalive_connections=in_flight))
        super().__init__(**kwargs)
        self._gate = asyncio.Semaphore(in_flight)

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        async with self._gate:
            return await super().send(request, **kwargs)
