"""Shodan app against a stand-in; the key travels in the query string and never in logs."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import shodan
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import HttpError

CREDS = {"api_key": "sh0dan-key"}
HOST = {
    "ip_str": "198.51.100.23",
    "ports": [22, 443],
    "hostnames": ["mail.example.net"],
    "org": "Example Hosting",
    "country_code": "DE",
    "vulns": ["CVE-2023-48795"],
    "data": [{"port": 22, "transport": "tcp", "product": "OpenSSH", "version": "8.9p1"}],
}


def shodan_api(request: httpx.Request) -> httpx.Response:
    assert request.method == "GET" and request.url.params["key"] == "sh0dan-key"
    if request.url.path == "/api-info":
        return httpx.Response(200, json={"plan": "dev", "query_credits": 97, "scan_credits": 0})
    ip = request.url.path.removeprefix("/shodan/host/")
    if ip == "198.51.100.23":
        return httpx.Response(200, json=HOST)
    return httpx.Response(404, json={"error": "No information available for that IP."})


def run(action: str, params: dict[str, Any]) -> tuple[Any, FakeTransport]:
    transport = FakeTransport(shodan_api)
    return run_action(shodan.app, action, params, CREDS, transport), transport


def test_test_connection() -> None:
    result, _ = run("test_connection", {})
    assert result == {"ok": True, "plan": "dev", "query_credits": 97}


def test_host_lookup(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        result, transport = run("host_lookup", {"ip": "198.51.100.23", "history": True})
    assert result["found"] is True and result["ports"] == [22, 443]
    assert result["vulns"] == ["CVE-2023-48795"] and result["country"] == "DE"
    assert transport.requests[0].url.params["history"] == "true"
    assert "minify" not in transport.requests[0].url.params
    # Our own log line; httpx's logger (INFO) prints full URLs and must stay above INFO.
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("threatflow")]
    assert ours and not any("sh0dan-key" in line for line in ours)


def test_unknown_host_is_not_an_error() -> None:
    result, _ = run("host_lookup", {"ip": "192.0.2.1"})
    assert result == {"found": False, "ip": "192.0.2.1"}


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (403, False), (429, True), (503, True)]
)
def test_vendor_errors(status: int, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": "Please upgrade your API plan"})

    with pytest.raises(HttpError) as caught:
        run_action(shodan.app, "host_lookup", {"ip": "198.51.100.23"}, CREDS, FakeTransport(refuse))
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "upgrade your API plan" in str(caught.value)
