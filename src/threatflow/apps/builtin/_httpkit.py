"""HTTP helpers shared by the built-in apps (a private module: the registry skips it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from threatflow.apps.sdk import ActionContext, HttpClient, redact_url
from threatflow.errors import HttpError

__all__ = ["http_error", "http_for", "response_body", "setting_on"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

INSECURE_TIMEOUT = httpx.Timeout(30.0)


def setting_on(value: Any, default: bool) -> bool:
    """A yes/no credential setting that may arrive as text ("true", "0", "no"...)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return default


@asynccontextmanager
async def http_for(ctx: ActionContext, *, verify: bool) -> AsyncIterator[HttpClient]:
    """The context's HTTP client, or a short-lived one that skips TLS verification.

    httpx fixes certificate checking per client, not per request, so turning it off for one
    vendor (a self-signed TheHive, say) needs a client of its own. It logs through the
    action's logger like the shared one.
    """
    if verify:
        yield ctx.http
        return
    # TODO(apps): the SDK could offer this (ctx.http.insecure()) so that the engine's
    # transport settings (proxies, limits) also apply to unverified clients.
    async with httpx.AsyncClient(verify=False, timeout=INSECURE_TIMEOUT) as client:
        yield HttpClient(client, ctx.log)


def response_body(response: httpx.Response) -> Any:
    """The decoded JSON body when the response says it is JSON, else the text (or None)."""
    if not response.content:
        return None
    content_type = response.headers.get("Content-Type", "").lower()
    if "json" in content_type:
        try:
            return response.json()
        except ValueError:
            pass
    return response.text


def http_error(response: httpx.Response) -> HttpError:
    """The :class:`HttpError` for an error answer, with the vendor's message when it has one."""
    body = response_body(response)
    message = response.reason_phrase or "error"
    if isinstance(body, dict):
        found = next((body[k] for k in ("message", "error", "detail") if body.get(k)), None)
        message = str(found) if found is not None else str(body)
    elif isinstance(body, str) and body.strip():
        message = body.strip()
    request = response.request
    return HttpError(
        response.status_code,
        message[:300],
        method=request.method,
        url=redact_url(str(request.url)),
    )
