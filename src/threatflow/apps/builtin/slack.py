"""The ``slack`` app: messages through an incoming webhook or the Web API (chat.postMessage).

An incoming webhook answers ``ok`` in plain text, or a 4xx status with an error code as
text. The Web API answers HTTP 200 even on failure, with ``{"ok": false, "error": code}``:
those become an :class:`~threatflow.errors.ActionError` of type ``vendor`` carrying the
code, retryable only for ``ratelimited``.
"""

from __future__ import annotations

from typing import Any

import httpx

from threatflow.apps.builtin._httpkit import http_error, response_body
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError, ParamsInvalid, Problem

__all__ = ["DEFAULT_API_URL", "app"]

DEFAULT_API_URL = "https://slack.com/api"

app = App(
    "slack",
    title="Slack",
    category=Category.COMMUNICATION,
    description="Post messages to Slack channels (incoming webhook or bot token).",
    docs_url="https://docs.slack.dev/reference/methods/chat.postMessage",
    credential_fields=[
        CredentialField(
            "webhook_url",
            title="Incoming webhook URL",
            secret=True,
            required=False,
            description="https://hooks.slack.com/services/T.../B.../...; for send_webhook_message",
        ),
        CredentialField(
            "bot_token",
            title="Bot token",
            secret=True,
            required=False,
            description="xoxb-... with the chat:write scope; for post_message",
        ),
        CredentialField(
            "api_url",
            title="Web API URL",
            required=False,
            default=DEFAULT_API_URL,
            description="Change only to reach a proxy or a stand-in.",
        ),
    ],
)


def _require_content(text: str, blocks: list[dict[str, Any]] | None) -> None:
    if not text and not blocks:
        raise ParamsInvalid([Problem("params.text", "give text or blocks")])


def _payload(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value not in (None, "")}


@app.action(title="Send webhook message")
async def send_webhook_message(
    ctx: ActionContext,
    text: str = "",
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """Post to the channel of the credential's incoming webhook.

    ``text`` is the message (and the notification fallback when ``blocks`` are given).
    """
    _require_content(text, blocks)
    body = _payload(text=text, blocks=blocks, thread_ts=thread_ts)
    await ctx.http.post(ctx.credential("webhook_url"), json=body)
    return {"ok": True}


async def call_api(ctx: ActionContext, method: str, body: dict[str, Any]) -> dict[str, Any]:
    """Call a Web API method with the bot token; ``ok: false`` answers raise."""
    base = str(ctx.credentials.get("api_url") or DEFAULT_API_URL).rstrip("/")
    headers = {
        "Authorization": f"Bearer {ctx.credential('bot_token')}",
        "Content-Type": "application/json; charset=utf-8",
    }
    response = await ctx.http.post(
        f"{base}/{method}", json=body, headers=headers, raise_for_status=False
    )
    return _answer(response, method)


def _answer(response: httpx.Response, method: str) -> dict[str, Any]:
    answer = response_body(response)
    if response.status_code >= 400 or not isinstance(answer, dict):
        raise http_error(response)
    if not answer.get("ok"):
        code = str(answer.get("error") or "unknown_error")
        raise ActionError(
            f"Slack {method} failed: {code}",
            error_type="vendor",
            retryable=code == "ratelimited",
            details={"slack_error": code},
        )
    return answer


@app.action(title="Post message")
async def post_message(
    ctx: ActionContext,
    channel: str,
    text: str = "",
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    unfurl_links: bool = False,
) -> dict[str, Any]:
    """Post as the bot to ``channel`` (an id like C0123 or a #name) with chat.postMessage.

    Returns Slack's answer: ``channel``, ``ts`` (the message id) and ``message``.
    """
    _require_content(text, blocks)
    body = _payload(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts)
    body["unfurl_links"] = unfurl_links
    return await call_api(ctx, "chat.postMessage", body)


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the bot token with auth.test; a webhook alone cannot be checked without posting."""
    if ctx.credentials.get("bot_token"):
        answer = await call_api(ctx, "auth.test", {})
        message = f"connected to {answer.get('team')} as {answer.get('user')}"
        return {"ok": True, "message": message, "team_id": answer.get("team_id")}
    ctx.credential("webhook_url")  # raises the usual credential error when neither is set
    return {"ok": True, "message": "webhook URL set; it is not checked, as that would post"}
