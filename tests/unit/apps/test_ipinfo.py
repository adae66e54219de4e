"""IPinfo app against a stand-in; the token is a bearer header, never in the URL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import ipinfo
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import HttpError

CREDS = {"token": "ipinfo-token"}
DETAILS = {
    "ip": "8.8.8.8",
    "hostname": "dns.google",
    "city": "Mountain View",
    "region": "California",
    "country": "US",
    "loc": "37.4056,-122.0775",
    "org": "AS15169 Google LLC",
    "postal": "94043",
    "timezone": "America/Los_Angeles",
    "anycast": True,
}


def ipinfo_api(request: httpx.Request) -> httpx.Response:
    assert request.method == "GET" and "token" not in request.url.params
    if request.url.path == "/me":
        assert request.headers["authorization"] == "Bearer ipinfo-token"
        return httpx.Response(
            200,
            json={
                "token": "ipinfo-token",
                "requests": {"day": 3, "month": 69, "limit": 50000, "remaining": 49931},
            },
        )
    ip = request.url.path.strip("/")
    if ip.startswith(("10.", "192.168.")):
        return httpx.Response(200, json={"ip": ip, "bogon": True})
    return httpx.Response(200, json={**DETAILS, "ip": ip})


def run(
    action: str, params: dict[str, Any], creds: dict[str, str] = CREDS
) -> tuple[Any, FakeTransport]:
    transport = FakeTransport(ipinfo_api)
    return run_action(ipinfo.app, action, params, creds, transport), transport


def test_test_connection_reads_usage() -> None:
    result, _ = run("test_connection", {})
    assert result == {"ok": True, "month": 69, "limit": 50000}


def test_lookup_splits_the_organisation() -> None:
    result, transport = run("lookup_ip", {"ip": "8.8.8.8"})
    assert transport.requests[0].headers["authorization"] == "Bearer ipinfo-token"
    assert str(transport.requests[0].url) == "https://ipinfo.io/8.8.8.8"
    assert result["asn"] == "AS15169" and result["as_name"] == "Google LLC"
    assert result["bogon"] is False and result["country"] == "US"


def test_bogon_and_no_token() -> None:
    result, transport = run("lookup_ip", {"ip": "10.1.2.3"}, {})
    assert result == {"ip": "10.1.2.3", "bogon": True}
    assert "authorization" not in transport.requests[0].headers


@pytest.mark.parametrize(
    ("status", "retryable"), [(403, False), (404, False), (429, True), (502, True)]
)
def test_vendor_errors(status: int, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        error = {"title": "Rate limit exceeded", "message": "Upgrade to increase your usage limits"}
        return httpx.Response(status, json={"status": status, "error": error})

    with pytest.raises(HttpError) as caught:
        run_action(ipinfo.app, "lookup_ip", {"ip": "8.8.8.8"}, CREDS, FakeTransport(refuse))
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "Upgrade to increase" in str(caught.value)
