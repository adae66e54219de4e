"""A Discord stand-in: execute and get a webhook, as ``POST/GET /api/webhooks/{id}/{token}``.

Bodies are checked like Discord's API v10 does (content up to 2000 characters, username 1..80,
up to 10 embeds with their own limits). An empty message gets 400 with code 50006, a body
that breaks a limit gets 400 "Invalid Form Body" (code 50035) with per-field ``errors``; a
wrong token gets 401 (code 50027), an unknown webhook 404 (code 10015). Without ``wait`` the
answer is 204; with ``wait=true`` it is 200 and the message object.
"""

from __future__ import annotations

import itertools
import re
import time
from datetime import UTC, datetime
from typing import Any

from threatflow.standins._server import BadJson, Reply, Request

__all__ = ["DiscordService"]

DISCORD_EPOCH_MS = 1_420_070_400_000
_PATH = re.compile(r"/api(?:/v\d+)?/webhooks/(?P<id>\d+)/(?P<token>[^/]+)")
_EMBED_LIMITS = {"title": 256, "description": 4096, "url": 2048}
_FIELD_LIMITS = {"name": 256, "value": 1024}
_NESTED_TEXT_LIMITS = {("footer", "text"): 2048, ("author", "name"): 256}

Errors = dict[str, Any]


def _error(code: str, message: str) -> Errors:
    return {"_errors": [{"code": code, "message": message}]}


def _length_error(value: Any, low: int, high: int) -> Errors | None:
    if not isinstance(value, str):
        return _error("BASE_TYPE_STRING", "Must be a string.")
    if not low <= len(value) <= high:
        return _error("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
    return None


def _embed_errors(embed: Any) -> Errors:
    if not isinstance(embed, dict):
        return _error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    errors: Errors = {}
    for name, limit in _EMBED_LIMITS.items():
        if embed.get(name) is not None and (problem := _length_error(embed[name], 0, limit)):
            errors[name] = problem
    for (parent, name), limit in _NESTED_TEXT_LIMITS.items():
        nested = embed.get(parent)
        if isinstance(nested, dict) and (problem := _length_error(nested.get(name), 1, limit)):
            errors[parent] = {name: problem}
    color = embed.get("color")
    if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
        errors["color"] = _error("NUMBER_TYPE_MAX", "int value should be <= 16777215.")
    fields = embed.get("fields") or []
    if not isinstance(fields, list) or len(fields) > 25:
        errors["fields"] = _error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    else:
        errors.update(_fields_errors(fields))
    return errors


def _fields_errors(fields: list[Any]) -> Errors:
    errors: Errors = {}
    for index, item in enumerate(fields):
        item = item if isinstance(item, dict) else {}
        problems = {
            name: problem
            for name, limit in _FIELD_LIMITS.items()
            if (problem := _length_error(item.get(name), 1, limit))
        }
        if problems:
            errors.setdefault("fields", {})[str(index)] = problems
    return errors


def _body_errors(body: dict[str, Any]) -> Errors:
    errors: Errors = {}
    if body.get("content") is not None and (problem := _length_error(body["content"], 0, 2000)):
        errors["content"] = problem
    if body.get("username") is not None:
        problem = _length_error(body["username"], 1, 80)
        if problem is None and re.search("discord|clyde", body["username"], re.IGNORECASE):
            problem = _error("USERNAME_INVALID_CONTAINS", "Username cannot contain discord.")
        if problem:
            errors["username"] = problem
    avatar = body.get("avatar_url")
    if avatar is not None and not (isinstance(avatar, str) and re.match(r"https?://", avatar)):
        errors["avatar_url"] = _error("URL_TYPE_INVALID_URL", "Not a well formed URL.")
    errors.update(_embeds_errors(body.get("embeds")))
    return errors


def _embeds_errors(embeds: Any) -> Errors:
    if embeds is None:
        return {}
    if not isinstance(embeds, list) or len(embeds) > 10:
        return {"embeds": _error("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")}
    problems = {str(i): found for i, embed in enumerate(embeds) if (found := _embed_errors(embed))}
    return {"embeds": problems} if problems else {}


def _is_empty(body: dict[str, Any]) -> bool:
    parts = ("content", "embeds", "components", "attachments", "poll", "sticker_ids")
    return not any(body.get(part) for part in parts)


class DiscordService:
    """One Discord webhook (``webhook_id`` / ``token``) that records the messages it posts."""

    name = "discord"

    def __init__(
        self,
        webhook_id: str = "1234567890123456789",
        token: str = "demo-webhook-token",
        channel_id: str = "987654321098765432",
        webhook_name: str = "Threatflow demo",
    ) -> None:
        self.webhook_id = webhook_id
        self.token = token
        self.channel_id = channel_id
        self.webhook_name = webhook_name
        self.messages: list[dict[str, Any]] = []
        self._sequence = itertools.count()

    def handle(self, request: Request) -> Reply:
        match = _PATH.fullmatch(request.path)
        if match is None or match["id"] != self.webhook_id:
            return Reply.json(404, {"message": "Unknown Webhook", "code": 10015})
        if match["token"] != self.token:
            return Reply.json(401, {"message": "Invalid Webhook Token", "code": 50027})
        if request.method == "GET":
            return Reply.json(200, self._webhook_object(), self._rate_headers())
        if request.method != "POST":
            return Reply.json(405, {"message": "405: Method Not Allowed", "code": 0})
        return self._execute(request)

    def _execute(self, request: Request) -> Reply:
        try:
            body = request.json()
        except BadJson:
            body = None
        if not isinstance(body, dict):
            return Reply.json(400, {"message": "Cannot send an empty message", "code": 50006})
        errors = _body_errors(body)
        if errors:
            return Reply.json(
                400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
            )
        if _is_empty(body):
            return Reply.json(400, {"message": "Cannot send an empty message", "code": 50006})
        message = self._message(body)
        self.messages.append(message)
        if request.query.get("wait", "").lower() == "true":
            return Reply.json(200, message, self._rate_headers())
        return Reply(204, headers=self._rate_headers(), content_type="")

    def _snowflake(self) -> str:
        elapsed = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((elapsed << 22) | (next(self._sequence) & 0xFFF))

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        embeds = [{"type": "rich", **embed} for embed in body.get("embeds") or []]
        author = {
            "bot": True,
            "id": self.webhook_id,
            "discriminator": "0000",
            "username": body.get("username") or self.webhook_name,
            "avatar": None,
            "global_name": None,
        }
        return {
            "id": self._snowflake(),
            "type": 0,
            "content": body.get("content") or "",
            "channel_id": self.channel_id,
            "author": author,
            "attachments": [],
            "embeds": embeds,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "mention_everyone": False,
            "tts": bool(body.get("tts")),
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
            "components": [],
            "webhook_id": self.webhook_id,
        }

    def _webhook_object(self) -> dict[str, Any]:
        return {
            "id": self.webhook_id,
            "type": 1,
            "name": self.webhook_name,
            "avatar": None,
            "channel_id": self.channel_id,
            "guild_id": "111111111111111111",
            "application_id": None,
            "token": self.token,
        }

    @staticmethod
    def _rate_headers() -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "4",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": "standin-webhook",
        }

    @staticmethod
    def rate_limited(retry_after: float = 0.05, is_global: bool = False) -> Reply:
        """The 429 answer Discord gives when a bucket is exhausted."""
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
            "code": 0,
        }
        headers = {
            "Retry-After": f"{max(1, round(retry_after))}",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        return Reply.json(429, body, headers)
