"""Test kit for app authors: run one action offline against a fake transport.

``FakeTransport`` records every request and answers from a handler you give it, so an
integration can be tested without the vendor's service::

    transport = FakeTransport(lambda request: httpx.Response(201, json={"_id": "~1"}))
    result = run_action(thehive.app, "create_alert", {...}, {"url": "http://hive"}, transport)
    assert transport.requests[0].url.path == "/api/v1/alert"
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from threatflow.apps import sdk
from threatflow.apps.sdk import ActionContext, App

__all__ = ["FakeTransport", "make_context", "run_action", "run_action_async"]

Handler = Callable[[httpx.Request], httpx.Response]


class FakeTransport(httpx.MockTransport):
    """A mock transport that keeps the requests it saw, with their decoded JSON bodies."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler or (lambda request: httpx.Response(200, json={}))
        super().__init__(self._record)

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)

    def json(self, index: int = -1) -> Any:
        """The JSON body of a recorded request (the last one by default)."""
        return json.loads(self.requests[index].content)


def make_context(
    client: httpx.AsyncClient, credentials: Mapping[str, Any] | None = None, step_id: str = "test"
) -> ActionContext:
    """An action context for tests, logging as ``threatflow.apps.test``."""
    return sdk.make_context(client, credentials, execution_id="test", step_id=step_id,
                            logger_name="threatflow.apps.test")


async def run_action_async(
    app: App,
    action: str,
    params: Mapping[str, Any],
    credentials: Mapping[str, Any] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Any:
    """Run ``app.action`` with ``params``; HTTP goes to ``transport`` (a fake by default)."""
    async with httpx.AsyncClient(transport=transport or FakeTransport()) as client:
        ctx = make_context(client, credentials)
        return await app.actions[action].invoke(ctx, params)


def run_action(
    app: App,
    action: str,
    params: Mapping[str, Any],
    credentials: Mapping[str, Any] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Any:
    """Blocking form of :func:`run_action_async` for plain tests."""
    return asyncio.run(run_action_async(app, action, params, credentials, transport))
