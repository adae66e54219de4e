"""The HTTP machinery shared by every stand-in: a threaded server, request records, replies.

A stand-in is a :class:`Service` (vendor logic: ``handle(request) -> Reply``) served by a
:class:`StandIn` (the server: start/stop, the record of requests, canned failures). The
vendor modules only decide what to answer; this module does the sockets.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import parse_qsl, urlsplit

__all__ = ["BadJson", "Reply", "Request", "Service", "StandIn"]

RECORDS_PATH = "/_standin/requests"


class BadJson(ValueError):
    """The request body is not valid JSON."""


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as a stand-in received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header value, looked up without regard to case."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    def json(self) -> Any:
        """The decoded JSON body; :class:`BadJson` when it does not parse."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise BadJson(str(exc)) from None

    def bearer_token(self) -> str | None:
        """The token of an ``Authorization: Bearer`` header, if there is one."""
        scheme, _, token = (self.header("Authorization") or "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def record(self, status: int) -> dict[str, Any]:
        """The JSON-friendly record kept in :attr:`StandIn.requests`."""
        return {
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "headers": dict(self.headers),
            "body": _decode_body(self.body, self.header("Content-Type") or ""),
            "status": status,
            "at": time.time(),
        }


def _decode_body(body: bytes, content_type: str) -> Any:
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type.lower():
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


@dataclass(slots=True)
class Reply:
    """What a stand-in answers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(value).encode(), "application/json", dict(headers or {}))

    @classmethod
    def text(
        cls,
        status: int,
        value: str,
        content_type: str = "text/plain; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> Reply:
        return cls(status, value.encode(), content_type, dict(headers or {}))

    @classmethod
    def empty(cls, status: int = 204) -> Reply:
        return cls(status, b"", "")


class Service(Protocol):
    """The vendor logic of a stand-in."""

    name: str

    def handle(self, request: Request) -> Reply:
        """Answer one request like the vendor would."""
        ...


class StandIn:
    """A vendor stand-in served over real HTTP on 127.0.0.1, in a background thread.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`). Every request to
    the vendor API is kept in :attr:`requests` (the newest ``max_records``) and served as
    JSON at ``GET /_standin/requests``; ``DELETE`` there clears the record.
    """

    def __init__(
        self, service: Service, *, port: int = 0, host: str = "127.0.0.1", max_records: int = 10_000
    ) -> None:
        self.service = service
        self.host = host
        self._port = port
        self._records: deque[dict[str, Any]] = deque(maxlen=max_records)
        self._canned: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"stand-in {self.service.name!r} is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL of the running stand-in, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A snapshot of the recorded requests, oldest first."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget the recorded requests and any canned replies still queued."""
        with self._lock:
            self._records.clear()
            self._canned.clear()

    def fail_next(self, reply: Reply, count: int = 1) -> None:
        """Answer the next ``count`` vendor requests with ``reply`` (they are still recorded)."""
        with self._lock:
            self._canned.extend([reply] * count)

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = _Server((self.host, self._port), _handler_for(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"standin-{self.service.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def dispatch(self, request: Request) -> Reply:
        """Answer one request: the record endpoint, a canned reply, or the vendor logic."""
        if request.path == RECORDS_PATH:
            return self._serve_records(request.method)
        with self._lock:
            canned = self._canned.popleft() if self._canned else None
        reply = canned or self._safe_handle(request)
        with self._lock:
            self._records.append(request.record(reply.status))
        return reply

    def _safe_handle(self, request: Request) -> Reply:
        try:
            return self.service.handle(request)
        except Exception as exc:  # a bug in a stand-in must answer 500, not kill the thread
            return Reply.json(500, {"message": f"stand-in error: {type(exc).__name__}: {exc}"})

    def _serve_records(self, method: str) -> Reply:
        if method == "DELETE":
            self.clear()
            return Reply.empty()
        if method != "GET":
            return Reply.json(405, {"message": "use GET or DELETE"})
        return Reply.json(200, self.requests)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts from benchmarks would overflow the default of 5

    def handle_error(self, request: Any, client_address: Any) -> None:
        # clients dropping kept-alive connections is routine, not worth a traceback
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Turns raw HTTP into :class:`Request` and writes the :class:`Reply` back."""

    protocol_version = "HTTP/1.1"  # keep-alive, so pooled clients reuse connections
    server_version = "threatflow-standin"
    disable_nagle_algorithm = True
    timeout = 60
    standin: StandIn

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunks()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunks(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF closing each chunk
        while self.rfile.readline().strip():  # optional trailers, then the final CRLF
            pass
        return b"".join(chunks)

    def _serve(self) -> None:
        body = self._read_body()
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={key: value for key, value in self.headers.items()},
            body=body,
        )
        self._write(self.standin.dispatch(request))

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.body and self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: one line per request would flood the logs under load."""


def _handler_for(standin: StandIn) -> Callable[..., _Handler]:
    return type(f"{type(standin.service).__name__}Handler", (_Handler,), {"standin": standin})
