"""Webhook endpoints.

``POST /api/v1/hooks/{hook_id}`` is answered by :class:`HookEndpoint`, a plain ASGI layer in
front of the whole framework: alert storms are this server's hottest path, and middleware,
routing and dependency injection cost more than the work itself. It needs no bearer token (the
URL is the secret). ``GET /api/v1/hooks`` lists the endpoints through the regular router.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import APIRouter
from starlette.types import ASGIApp, Receive, Scope, Send

from threatflow.api.deps import CoreDep, UserDep
from threatflow.api.errors import body, classify
from threatflow.core import Core
from threatflow.errors import PayloadTooLarge
from threatflow.metrics import WEBHOOKS

log = logging.getLogger("threatflow.hooks")

PREFIX = "/api/v1/hooks/"

router = APIRouter(prefix="/hooks", tags=["hooks"])


@router.get("")
def list_hooks(core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.workflows.hooks()


class _ClientGone(Exception):
    """The sender hung up before its body arrived; there is nobody to answer."""


async def _read_body(receive: Receive, limit: int, declared: str | None) -> bytes:
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(int(declared), limit)
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunks += message.get("body", b"")
        if len(chunks) > limit:
            raise PayloadTooLarge(len(chunks), limit)
        if not message.get("more_body", False):
            return bytes(chunks)


async def _respond(send: Send, status: int, content: Any,
                   headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *(headers or [])]})
    await send({"type": "http.response.body", "body": orjson.dumps(content)})


class HookEndpoint:
    """ASGI layer answering webhook POSTs; everything else (lifespan too) goes to ``app``."""

    def __init__(self, app: ASGIApp, core: Core) -> None:
        self.app = app
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        hook_id = path[len(PREFIX):]
        if scope["type"] != "http" or not path.startswith(PREFIX) or "/" in hook_id:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await _respond(send, 405, body("method_not_allowed", "webhooks accept POST only"),
                           [(b"allow", b"POST")])
            return
        try:
            status, content = await self._accept(hook_id, scope, receive)
        except _ClientGone:
            WEBHOOKS.labels("disconnected").inc()
            return
        await _respond(send, status, content)

    async def _accept(self, hook_id: str, scope: Scope, receive: Receive) -> tuple[int, Any]:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope["headers"]}
        try:
            target = self.core.workflows.hook_target(hook_id)  # 404 before reading the body
            raw = await _read_body(receive, self.core.settings.max_body,
                                   headers.get("content-length"))
            execution_id = await self.core.intake.receive(target, raw, headers)
        except _ClientGone:
            raise
        except Exception as exc:
            WEBHOOKS.labels("rejected").inc()
            return self._error(exc)
        WEBHOOKS.labels("accepted").inc()
        return 202, {"execution_id": execution_id}

    def _error(self, exc: Exception) -> tuple[int, Any]:
        known = classify(exc)
        if known is None:
            log.exception("webhook intake failed")
            return 500, body("internal", "internal error; see the server log")
        status, kind = known
        log.log(logging.WARNING if status < 500 else logging.ERROR,
                "POST webhook -> %d %s", status, exc)
        return status, body(kind, str(exc))


HOOK_OPENAPI: dict[str, Any] = {
    "post": {
        "tags": ["hooks"],
        "summary": "Receive an alert",
        "description": "Start an execution of the workflow behind this webhook. JSON bodies "
                       "are taken as they are; form and text bodies are wrapped. No bearer "
                       "token: the URL is the secret (plus optional secret header / HMAC).",
        "parameters": [{"name": "hook_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {}}}},
        "responses": {
            "202": {"description": "Committed; body {\"execution_id\": \"...\"}"},
            "400": {"description": "Malformed body"},
            "401": {"description": "Missing or wrong secret or signature"},
            "404": {"description": "Unknown or disabled hook"},
            "413": {"description": "Body over THREATFLOW_MAX_BODY"},
            "503": {"description": "The database could not commit"},
        },
    }
}
