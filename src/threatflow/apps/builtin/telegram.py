"""Telegram Bot API: send messages to a chat, group or channel.

Every Bot API answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
"description": "...", "parameters": {"retry_after": S}}``; a refusal becomes an
:class:`~threatflow.errors.HttpError` with the vendor's code, retryable for 429 and 5xx, and
``details.retry_after`` when Telegram says how long to wait.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from threatflow.apps.builtin._netcommon import json_of, setting
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError, HttpError

app = App(
    "telegram",
    title="Telegram",
    category=Category.COMMUNICATION,
    description="Send messages with a Telegram bot.",
    docs_url="https://core.telegram.org/bots/api",
    credential_fields=[
        CredentialField("bot_token", secret=True, description="Token from @BotFather (123:ABC)"),
        CredentialField(
            "base_url",
            required=False,
            default="https://api.telegram.org",
            description="Bot API server (a self-hosted telegram-bot-api server works too)",
        ),
    ],
)


_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


def _method_url(ctx: ActionContext, method: str) -> str:
    token = str(ctx.credential("bot_token"))
    # The token goes into the path: refuse anything that could change the path's shape.
    if not _TOKEN.match(token):
        raise ActionError("bot_token is not a Telegram bot token", error_type="credential")
    root = setting(ctx, "base_url", "https://api.telegram.org").rstrip("/")
    return f"{root}/bot{token}/{method}"


async def _call(ctx: ActionContext, method: str, payload: dict[str, Any] | None = None) -> Any:
    url = _method_url(ctx, method)
    response = await ctx.http.post(url, json=payload or {}, raise_for_status=False)
    answer = json_of(response)
    if isinstance(answer, dict) and answer.get("ok") is True:
        return answer.get("result")
    raise _refusal(answer, response.status_code, method)


def _refusal(answer: Any, status: int, method: str) -> HttpError:
    answer = answer if isinstance(answer, dict) else {}
    code = int(answer.get("error_code") or status)
    description = str(answer.get("description") or "request refused")
    error = HttpError(code, f"{method}: {description}")
    retry_after = (answer.get("parameters") or {}).get("retry_after")
    if retry_after is not None:
        error.details["retry_after"] = retry_after
    migrate = (answer.get("parameters") or {}).get("migrate_to_chat_id")
    if migrate is not None:
        error.details["migrate_to_chat_id"] = migrate
    return error


@app.action(title="Send message")
async def send_message(
    ctx: ActionContext,
    chat_id: str = Field(
        pattern=r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$",
        description="Numeric chat id or @channelusername",
    ),
    text: str = Field(min_length=1, max_length=4096),
    parse_mode: Literal["", "HTML", "MarkdownV2"] = "",
    disable_notification: bool = False,
    message_thread_id: int | None = None,
) -> dict[str, Any]:
    """Send a text message (up to 4096 characters) with ``sendMessage``."""
    payload: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "disable_notification": disable_notification,
    }
    if parse_mode:
        payload["parse_mode"] = parse_mode
    if message_thread_id is not None:
        payload["message_thread_id"] = message_thread_id
    message = await _call(ctx, "sendMessage", payload)
    return {
        "message_id": message.get("message_id"),
        "chat_id": (message.get("chat") or {}).get("id"),
        "date": message.get("date"),
    }


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the token with ``getMe``."""
    me = await _call(ctx, "getMe")
    return {"ok": True, "bot": me.get("username"), "id": me.get("id")}
