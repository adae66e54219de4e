"""ntfy push notifications: publish a message to a topic on ntfy.sh or a self-hosted server.

A message is ``POST {base_url}/{topic}`` with the text as the body and its options as headers
(``Title``, ``Priority``, ``Tags``, ``Click``, ``Markdown``). A protected topic takes an access
token as ``Authorization: Bearer tk_...``. ntfy answers with the stored message as JSON and
refuses with ``{"code": 40301, "http": 403, "error": "forbidden", ...}``.
"""

from __future__ import annotations

import base64
import re
from typing import Annotated, Any

import httpx
from pydantic import Field
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError, ParamsInvalid, Problem

DEFAULT_URL = "https://ntfy.sh"
# ntfy's default message-size-limit: a longer body is stored as an attachment instead.
MESSAGE_LIMIT = 4096
TOPIC_PATTERN = r"^[-_A-Za-z0-9]{1,64}$"

app = App(
    "ntfy",
    title="ntfy",
    category=Category.COMMUNICATION,
    description="Push notifications to phones and desktops through an ntfy server.",
    docs_url="https://docs.ntfy.sh/publish/",
    version="0.1.0",
    source="package",
    credential_fields=[
        CredentialField("base_url", "Server URL", required=False, default=DEFAULT_URL),
        CredentialField("token", "Access token", secret=True, required=False,
                        description="tk_... for protected topics; empty for public ones"),
        CredentialField("topic", "Default topic", secret=True, required=False,
                        description="On a public server the topic name is the only secret"),
    ],
)

Tag = Annotated[str, Field(pattern=r"^[^,]+$", max_length=64)]


def _root(ctx: ActionContext) -> str:
    return str(ctx.credentials.get("base_url") or DEFAULT_URL).rstrip("/")


def _auth(ctx: ActionContext) -> dict[str, str]:
    token = ctx.credentials.get("token")
    return {"Authorization": f"Bearer {token}"} if token else {}


def _topic(ctx: ActionContext, topic: str | None) -> str:
    chosen = topic or str(ctx.credentials.get("topic") or "")
    if not chosen:
        raise ActionError("no topic: set the parameter or the credential's default topic",
                          error_type="credential")
    # The topic becomes a path segment; a credential value was not checked by the schema.
    if not re.match(TOPIC_PATTERN, chosen):
        raise ActionError("the default topic must be 1-64 letters, digits, '-' or '_'",
                          error_type="credential")
    return chosen


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ActionError("ntfy answered with something other than a JSON object",
                          error_type="vendor")
    return body


def header_value(text: str) -> str:
    """``text`` as an HTTP header value: printable ASCII as is, else an RFC 2047 encoded word,
    which ntfy decodes (a raw newline could otherwise end the header)."""
    if text.isascii() and text.isprintable():
        return text
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


def _headers(title: str, priority: int, tags: list[str], click: str | None,
             markdown: bool) -> dict[str, str]:
    headers = {"Priority": str(priority)}
    if title:
        headers["Title"] = header_value(title)
    if tags:
        headers["Tags"] = header_value(",".join(tags))
    if click:
        headers["Click"] = click
    if markdown:
        headers["Markdown"] = "yes"
    return headers


@app.action(title="Send notification")
async def send_notification(
    ctx: ActionContext,
    message: Annotated[str, Field(min_length=1, description="Body of the notification")],
    title: Annotated[str, Field(max_length=250)] = "",
    priority: Annotated[int, Field(ge=1, le=5, description="1 min, 3 default, 5 urgent")] = 3,
    tags: list[Tag] = Field(default_factory=list, max_length=10, description="Tags or emojis"),
    click: str | None = Field(None, pattern=r"^https?://[!-~]+$", description="Opened on tap"),
    markdown: bool = False,
    topic: Annotated[str | None, Field(pattern=TOPIC_PATTERN,
                                       description="Instead of the default topic")] = None,
) -> dict[str, Any]:
    """Publish a message; returns ntfy's ``id``, ``time``, ``expires`` and ``topic``."""
    if len(message.encode()) > MESSAGE_LIMIT:
        raise ParamsInvalid([Problem("params.message", f"longer than {MESSAGE_LIMIT} bytes")])
    url = f"{_root(ctx)}/{_topic(ctx, topic)}"
    headers = {**_headers(title, priority, tags, click, markdown), **_auth(ctx)}
    response = await ctx.http.post(url, content=message.encode(), headers=headers)
    body = _json(response)
    ctx.log.debug("ntfy stored message %s", body.get("id"))
    return {key: body.get(key) for key in ("id", "time", "expires", "topic")}


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check that the server is healthy and, when a token is set, that it accepts the token."""
    health = _json(await ctx.http.get(f"{_root(ctx)}/v1/health"))
    if health.get("healthy") is not True:
        raise ActionError("the ntfy server reports it is not healthy", error_type="vendor",
                          retryable=True)
    username = None
    if ctx.credentials.get("token"):
        account = await ctx.http.get(f"{_root(ctx)}/v1/account", headers=_auth(ctx))
        username = _json(account).get("username")
    return {"ok": True, "username": username}
