"""Mattermost: post through an incoming webhook or through the REST API v4 with a token.

The webhook needs no account but can only post; the REST API (a bot or personal access token)
can also reply in threads and check the connection.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from threatflow.apps.builtin._netcommon import base_url, json_of
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "mattermost",
    title="Mattermost",
    category=Category.COMMUNICATION,
    description="Post messages to Mattermost channels (incoming webhook or REST API v4).",
    docs_url="https://developers.mattermost.com/integrate/webhooks/incoming/",
    credential_fields=[
        CredentialField(
            "webhook_url",
            secret=True,
            required=False,
            description="Incoming webhook URL (https://HOST/hooks/KEY), for post_webhook",
        ),
        CredentialField(
            "base_url", required=False, description="Server URL, for the REST API actions"
        ),
        CredentialField(
            "token", secret=True, required=False, description="Bot or personal access token"
        ),
    ],
)

_ID = r"^[a-z0-9]{26}$"  # Mattermost ids are 26 lower-case base32 characters


def _api(ctx: ActionContext, path: str) -> tuple[str, dict[str, str]]:
    headers = {"Authorization": f"Bearer {ctx.credential('token')}"}
    return f"{base_url(ctx)}/api/v4/{path}", headers


@app.action(title="Post via webhook")
async def post_webhook(
    ctx: ActionContext,
    text: str = Field(min_length=1, max_length=16383),
    channel: str = Field(default="", description="Override the webhook's channel (name)"),
    username: str = "",
    icon_url: str = Field(default="", pattern=r"^(https?://\S+)?$"),
    props: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Post Markdown text through the incoming webhook."""
    payload: dict[str, Any] = {"text": text}
    optional = {"channel": channel, "username": username, "icon_url": icon_url, "props": props}
    payload.update({key: value for key, value in optional.items() if value})
    response = await ctx.http.post(str(ctx.credential("webhook_url")), json=payload)
    return {"delivered": True, "status": response.status_code}


@app.action(title="Create post")
async def post_message(
    ctx: ActionContext,
    channel_id: str = Field(pattern=_ID),
    message: str = Field(min_length=1, max_length=16383),
    root_id: str = Field(default="", pattern=r"^([a-z0-9]{26})?$", description="Reply to"),
    props: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create a post with ``POST /api/v4/posts``; ``root_id`` replies in a thread."""
    url, headers = _api(ctx, "posts")
    payload: dict[str, Any] = {"channel_id": channel_id, "message": message}
    if root_id:
        payload["root_id"] = root_id
    if props:
        payload["props"] = props
    post = json_of(await ctx.http.post(url, json=payload, headers=headers))
    return {
        "id": post.get("id"),
        "channel_id": post.get("channel_id"),
        "create_at": post.get("create_at"),
    }


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the server URL and token by reading the token's user."""
    url, headers = _api(ctx, "users/me")
    me = json_of(await ctx.http.get(url, headers=headers))
    return {"ok": True, "username": me.get("username"), "id": me.get("id")}
