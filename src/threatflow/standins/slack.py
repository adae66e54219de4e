"""A Slack stand-in: one incoming webhook and the Web API methods the ``slack`` app calls.

The incoming webhook (``POST /services/T.../B.../<secret>``) answers ``200 ok`` in plain
text, or a plain-text error code with a 4xx status (``invalid_payload``, ``no_text``,
``invalid_blocks``, ``invalid_token``, ``no_service``). The Web API
(``POST /api/chat.postMessage``, ``POST /api/auth.test``) answers HTTP 200 with
``{"ok": false, "error": "..."}`` on errors, as Slack does: ``not_authed``,
``invalid_auth``, ``channel_not_found``, ``no_text``, ``invalid_blocks``, ``invalid_json``.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from threatflow.standins._server import BadJson, Reply, Request

__all__ = ["SlackService"]

_WEBHOOK_PATH = re.compile(r"/services/(?P<team>T\w+)/(?P<bot>B\w+)/(?P<secret>[^/]+)")
_API_PATH = re.compile(r"/api/(?P<method>[\w.]+)")


def _blocks_valid(blocks: Any) -> bool:
    return isinstance(blocks, list) and all(
        isinstance(block, dict) and isinstance(block.get("type"), str) for block in blocks
    )


class SlackService:
    """One workspace with a bot token, an incoming webhook and a few channels."""

    name = "slack"

    def __init__(
        self,
        bot_token: str = "xoxb-demo-token",
        webhook_secret: str = "demo-webhook-secret",
        channels: dict[str, str] | None = None,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = "T0DEMO0001"
        self.bot_id = "B0DEMO0001"
        self.webhook_secret = webhook_secret
        self.channels = channels or {"C0DEMO0001": "general", "C0DEMO0002": "security-alerts"}
        self.messages: list[dict[str, Any]] = []
        self._ticks = itertools.count(100)

    @property
    def webhook_path(self) -> str:
        return f"/services/{self.team_id}/{self.bot_id}/{self.webhook_secret}"

    def handle(self, request: Request) -> Reply:
        if match := _WEBHOOK_PATH.fullmatch(request.path):
            return self._webhook(request, match)
        if match := _API_PATH.fullmatch(request.path):
            return self._api(request, match["method"])
        return Reply.text(404, "no_service")

    # incoming webhook

    def _webhook(self, request: Request, match: re.Match[str]) -> Reply:
        if (match["team"], match["bot"]) != (self.team_id, self.bot_id):
            return Reply.text(404, "no_service")
        if match["secret"] != self.webhook_secret:
            return Reply.text(403, "invalid_token")
        if request.method != "POST":
            return Reply.text(405, "invalid_method")
        try:
            body = request.json()
        except BadJson:
            return Reply.text(400, "invalid_payload")
        if not isinstance(body, dict):
            return Reply.text(400, "invalid_payload")
        problem = self._content_problem(body)
        if problem:
            return Reply.text(400, problem)
        self.messages.append({"via": "webhook", "ts": self._ts(), **body})
        return Reply.text(200, "ok", "text/html")

    # Web API

    def _api(self, request: Request, method: str) -> Reply:
        if request.method != "POST":
            return self._api_error("invalid_request_method")
        token = request.bearer_token()
        if token is None:
            return self._api_error("not_authed")
        if token != self.bot_token:
            return self._api_error("invalid_auth")
        handlers = {"chat.postMessage": self._post_message, "auth.test": self._auth_test}
        if method not in handlers:
            return Reply.json(404, {"ok": False, "error": "unknown_method", "req_method": method})
        try:
            args = self._arguments(request)
        except BadJson:
            return self._api_error("invalid_json")
        answer = handlers[method](args)
        if answer["ok"] and self._lacks_charset(request):
            answer.update(warning="missing_charset")
            answer["response_metadata"] = {"warnings": ["missing_charset"]}
        return Reply.json(200, answer)

    @staticmethod
    def _arguments(request: Request) -> dict[str, Any]:
        content_type = (request.header("Content-Type") or "").lower()
        if content_type.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
        body = request.json() if request.body else {}
        if not isinstance(body, dict):
            raise BadJson("the body must be a JSON object")
        return body

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        problem = self._content_problem(args)
        if problem:
            return {"ok": False, "error": problem}
        ts = self._ts()
        message = {
            "type": "message",
            "subtype": "bot_message",
            "text": args.get("text", ""),
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": "A0DEMO0001",
            "username": args.get("username", "threatflow"),
        }
        for key in ("blocks", "attachments", "thread_ts"):
            if args.get(key):
                message[key] = args[key]
        self.messages.append({"via": "chat.postMessage", "channel": channel, **message})
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://threatflow-demo.slack.com/",
            "team": "Threatflow demo",
            "user": "threatflow",
            "team_id": self.team_id,
            "user_id": "U0DEMO0001",
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _channel_id(self, channel: Any) -> str | None:
        if not isinstance(channel, str) or not channel:
            return None
        if channel in self.channels:
            return channel
        wanted = channel.removeprefix("#")
        return next((cid for cid, name in self.channels.items() if name == wanted), None)

    @staticmethod
    def _content_problem(args: dict[str, Any]) -> str | None:
        if "blocks" in args and not _blocks_valid(args["blocks"]):
            return "invalid_blocks"
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return "no_text"
        return None

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._ticks):06d}"

    @staticmethod
    def _api_error(code: str) -> Reply:
        return Reply.json(200, {"ok": False, "error": code})

    @staticmethod
    def _lacks_charset(request: Request) -> bool:
        """Slack succeeds but warns when a JSON body comes without a charset."""
        content_type = (request.header("Content-Type") or "").lower()
        return "json" in content_type and "charset" not in content_type

    @staticmethod
    def rate_limited(retry_after: int = 1) -> Reply:
        """The 429 answer Slack gives when a method's rate limit is exceeded."""
        return Reply.json(
            429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        )
