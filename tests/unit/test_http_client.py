"""The shared outbound client: httpx API over aiohttp's pool, no cookie jar, header case."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from threatflow.apps.sdk import HttpClient
from threatflow.errors import ActionError
from threatflow.http import make_client


@asynccontextmanager
async def raw_server(reply: Callable[[bytes], bytes]) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A loopback HTTP/1.1 server that records each request's bytes as they came."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:  # the client closed the connection
                break
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            body = await reader.readexactly(length)
            seen.append(head + body)
            writer.write(reply(head))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()
        await server.wait_closed()


def ok(body: bytes = b'{"ok": true}', extra: bytes = b"") -> Callable[[bytes], bytes]:
    def reply(_head: bytes) -> bytes:
        return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra +
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    return reply


def test_requests_keep_header_case_and_json_bodies() -> None:
    async def main() -> tuple[httpx.Response, list[bytes]]:
        async with raw_server(ok()) as (url, seen), make_client() as client:
            response = await client.post(f"{url}/api/v1/alert", json={"title": "x"},
                                         headers={"Authorization": "Bearer k", "X-Org": "o"})
            return response, seen

    response, seen = asyncio.run(main())
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert seen[0].startswith(b"POST /api/v1/alert HTTP/1.1\r\n")
    assert b"\r\nAuthorization: Bearer k\r\n" in seen[0]
    assert b"\r\nX-Org: o\r\n" in seen[0]
    assert seen[0].endswith(b'{"title":"x"}') or seen[0].endswith(b'{"title": "x"}')


def test_cookies_a_vendor_sets_are_never_sent_back() -> None:
    cookie = b"Set-Cookie: session=secret-of-credential-a; Path=/\r\n"

    async def main() -> list[bytes]:
        async with raw_server(ok(extra=cookie)) as (url, seen), make_client() as client:
            # a host name: cookie jars refuse cookies from bare IP addresses anyway
            url = url.replace("127.0.0.1", "localhost")
            await client.get(f"{url}/login")
            await client.get(f"{url}/next")
            assert not client.cookies
            return seen

    seen = asyncio.run(main())
    assert b"secret-of-credential-a" not in seen[1]


def test_connection_refused_is_a_retryable_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> None:
        async with make_client() as client:
            http = HttpClient(client, logging.LoggerAdapter(logging.getLogger("t")))
            await http.get(f"http://127.0.0.1:{port}/")

    with pytest.raises(ActionError) as caught:
        asyncio.run(main())
    assert caught.value.error_type == "connection" and caught.value.retryable


def test_a_slow_server_is_a_retryable_timeout() -> None:
    async def main() -> None:
        async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await asyncio.sleep(5)
            finally:
                writer.close()

        server = await asyncio.start_server(hang, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with make_client(timeout=httpx.Timeout(0.3)) as client:
                http = HttpClient(client, logging.LoggerAdapter(logging.getLogger("t")))
                await http.get(f"http://127.0.0.1:{port}/")
        finally:
            server.close()

    with pytest.raises(ActionError) as caught:
        asyncio.run(main())
    assert caught.value.error_type == "timeout" and caught.value.retryable


def test_in_flight_bounds_open_connections() -> None:
    async def main() -> int:
        peak = 0
        open_now = 0

        async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal peak, open_now
            open_now += 1
            peak = max(peak, open_now)
            await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep(0.05)
            writer.write(ok()(b""))
            await writer.drain()
            writer.close()
            open_now -= 1

        server = await asyncio.start_server(slow, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with make_client(3) as client:
                await asyncio.gather(*(client.get(f"http://127.0.0.1:{port}/{n}")
                                       for n in range(12)))
        finally:
            server.close()
        return peak

    assert asyncio.run(main()) <= 3


@pytest.mark.parametrize(("url", "params", "expected"), [
    ("https://discord.test/api/webhooks/1/t", {"wait": "true"},
     "https://discord.test/api/webhooks/1/t?wait=true"),
    ("https://x.test/a?b=1", {"c": "2 3"}, None),  # merged or replaced: httpx decides
    ("https://x.test/a?b=1", {"b": "9"}, "https://x.test/a?b=9"),
    ("https://x.test/a", {"n": 5}, "https://x.test/a?n=5"),
    ("https://x.test/a", None, "https://x.test/a"),
])
def test_cached_urls_and_params_give_what_httpx_would(url: str, params: Any,
                                                      expected: str | None) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            http = HttpClient(client, logging.LoggerAdapter(logging.getLogger("t")))
            for _ in range(2):  # the second call is answered from the caches
                await http.get(url, params=params)
            await client.get(url, params=params)  # plain httpx, for reference

    asyncio.run(main())
    assert seen == [expected or seen[2]] * 3


def test_an_invalid_url_is_a_clear_step_error() -> None:
    async def main() -> None:
        async with make_client() as client:
            http = HttpClient(client, logging.LoggerAdapter(logging.getLogger("t")))
            await http.get("http://ho\x00st/x")

    with pytest.raises(ActionError) as caught:
        asyncio.run(main())
    assert caught.value.error_type == "invalid_url" and not caught.value.retryable
