"""The ``discord`` app: post messages through a Discord webhook.

Discord answers 429 with ``retry_after`` (seconds) when a webhook posts too fast; the action
waits and retries up to three times (30 s of waiting at most) before failing with a
retryable error, so short bursts do not fail a step. Mentions in the content are not
resolved unless ``allow_mentions`` is set, so alert text cannot ping ``@everyone``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pydantic import Field

from threatflow.apps.builtin._httpkit import http_error, response_body
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField, HttpClient
from threatflow.errors import ParamsInvalid, Problem

__all__ = ["MAX_RATE_LIMIT_RETRIES", "MAX_RATE_LIMIT_WAIT", "app"]

MAX_RATE_LIMIT_RETRIES = 3
MAX_RATE_LIMIT_WAIT = 30.0
_DEFAULT_RETRY_AFTER = 1.0

app = App(
    "discord",
    title="Discord",
    category=Category.COMMUNICATION,
    description="Send messages and embeds to a Discord channel through a webhook.",
    docs_url="https://discord.com/developers/docs/resources/webhook#execute-webhook",
    credential_fields=[
        CredentialField(
            "webhook_url",
            title="Webhook URL",
            secret=True,
            description="https://discord.com/api/webhooks/<id>/<token>",
        )
    ],
)


def retry_after(response: httpx.Response) -> float:
    """Seconds Discord asks to wait: ``retry_after`` in the body, else the header."""
    body = response_body(response)
    candidates = [body.get("retry_after") if isinstance(body, dict) else None]
    candidates.append(response.headers.get("Retry-After"))
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            return max(0.0, float(candidate))
        except (TypeError, ValueError):
            continue
    return _DEFAULT_RETRY_AFTER


async def post_with_backoff(
    ctx: ActionContext, http: HttpClient, url: str, **kwargs: Any
) -> httpx.Response:
    """POST, sleeping through Discord's 429 answers within the retry and wait budgets."""
    waited = 0.0
    for attempt in range(MAX_RATE_LIMIT_RETRIES + 1):
        response = await http.post(url, raise_for_status=False, **kwargs)
        if response.status_code != 429 or attempt == MAX_RATE_LIMIT_RETRIES:
            break
        delay = retry_after(response)
        if waited + delay > MAX_RATE_LIMIT_WAIT:
            break
        ctx.log.info("discord rate limited; retry %d in %.2f s", attempt + 1, delay)
        await asyncio.sleep(delay)
        waited += delay
    if response.status_code >= 400:
        raise http_error(response)
    return response


@app.action(title="Send message")
async def send_message(
    ctx: ActionContext,
    content: str = Field(default="", max_length=2000),
    username: str | None = Field(default=None, min_length=1, max_length=80),
    avatar_url: str | None = None,
    embeds: list[dict[str, Any]] | None = Field(default=None, max_length=10),
    tts: bool = False,
    thread_id: str | None = None,
    allow_mentions: bool = False,
    wait: bool = True,
) -> dict[str, Any]:
    """Post a message (text up to 2000 characters and/or up to 10 embeds).

    With ``wait`` (the default) Discord confirms and the result is the message object
    (``id``, ``channel_id``...); without it the result is ``{"sent": true}``.
    """
    if not content and not embeds:
        raise ParamsInvalid([Problem("params.content", "give content or at least one embed")])
    payload: dict[str, Any] = {"content": content or None, "username": username}
    payload.update(avatar_url=avatar_url, embeds=embeds, tts=tts or None)
    if not allow_mentions:
        payload["allowed_mentions"] = {"parse": []}
    query = {"wait": "true" if wait else "false"}
    if thread_id:
        query["thread_id"] = thread_id
    body = {key: value for key, value in payload.items() if value is not None}
    url = ctx.credential("webhook_url")
    response = await post_with_backoff(ctx, ctx.http, url, json=body, params=query)
    message = response_body(response)
    return message if wait and isinstance(message, dict) else {"sent": True}


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Read the webhook (no message is posted) to check that the URL is valid."""
    response = await ctx.http.get(ctx.credential("webhook_url"))
    webhook = response_body(response)
    if not isinstance(webhook, dict):
        webhook = {}
    summary = {key: webhook.get(key) for key in ("id", "name", "channel_id", "guild_id")}
    return {"ok": True, "message": f"webhook {summary['name']!r}", "webhook": summary}
