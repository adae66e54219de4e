"""TheHive and Discord stand-ins for load: the same vendor checks as
``threatflow.standins``, served by uvicorn in a process of their own.

The threaded stand-ins are right for tests but serve a few hundred requests a second;
under the scenario benchmark they would measure themselves rather than Threatflow.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn

from threatflow.standins import Request
from threatflow.standins.discord import DiscordService
from threatflow.standins.thehive import TheHiveService

API_KEY = "bench-hive-key"


def _app(services: list[tuple[str, Any]]) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = Request(
            method=scope["method"], path=scope["path"],
            query=dict(parse_qsl(scope["query_string"].decode())),
            headers={k.decode(): v.decode() for k, v in scope["headers"]}, body=body)
        service = next(s for prefix, s in services if scope["path"].startswith(prefix))
        reply = service.handle(request)
        headers = [(b"content-type", reply.content_type.encode())] if reply.content_type else []
        headers += [(k.encode(), v.encode()) for k, v in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})

    return app


def _serve(port: int) -> None:
    app = _app([("/api/webhooks/", DiscordService()), ("/", TheHiveService(api_key=API_KEY))])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class LoadStandIns:
    """Both stand-ins on one port, in a child process."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.webhook_url = f"{self.url}/api/webhooks/{DiscordService().webhook_id}/" \
                           f"{DiscordService().token}"
        self.api_key = API_KEY
        self._process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(port,), daemon=True)

    def __enter__(self) -> LoadStandIns:
        self._process.start()
        for _ in range(100):
            try:
                httpx.get(self.webhook_url, timeout=0.5)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("load stand-ins did not start")

    def __exit__(self, *exc: Any) -> None:
        self._process.terminate()
        self._process.join(10)
