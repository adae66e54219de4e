"""AbuseIPDB v2 app against a stand-in that checks the Key header, parameters and form."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from threatflow.apps.builtin import abuseipdb
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError

CREDS = {"api_key": "abuse-key-42"}
CHECK = {
    "ipAddress": "203.0.113.7",
    "isPublic": True,
    "ipVersion": 4,
    "isWhitelisted": False,
    "abuseConfidenceScore": 87,
    "countryCode": "NL",
    "usageType": "Data Center/Web Hosting/Transit",
    "isp": "Example Hosting",
    "domain": "example.net",
    "totalReports": 31,
    "numDistinctUsers": 12,
    "lastReportedAt": "2024-06-10T08:14:02+00:00",
}


def abuse(request: httpx.Request) -> httpx.Response:
    assert request.headers["key"] == "abuse-key-42"
    assert request.headers["accept"] == "application/json"
    if request.method == "GET" and request.url.path == "/api/v2/check":
        params = request.url.params
        assert "ipAddress" in params and 1 <= int(params["maxAgeInDays"]) <= 365
        data = {**CHECK, "ipAddress": params["ipAddress"]}
        if "verbose" in params:
            data["reports"] = [{"reportedAt": "2024-06-10T08:14:02+00:00", "categories": [18]}]
        return httpx.Response(200, json={"data": data})
    if request.method == "POST" and request.url.path == "/api/v2/report":
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert set(form) >= {"ip", "categories"}
        assert all(c.isdigit() for c in form["categories"].split(","))
        return httpx.Response(
            200, json={"data": {"ipAddress": form["ip"], "abuseConfidenceScore": 88}}
        )
    return httpx.Response(404, json={"errors": [{"detail": "Not found", "status": 404}]})


def run(action: str, params: dict[str, Any]) -> tuple[Any, FakeTransport]:
    transport = FakeTransport(abuse)
    return run_action(abuseipdb.app, action, params, CREDS, transport), transport


def test_test_connection_checks_loopback() -> None:
    result, transport = run("test_connection", {})
    assert result == {"ok": True, "ip": "127.0.0.1"}
    assert transport.requests[0].url.params["maxAgeInDays"] == "1"


def test_check_ip() -> None:
    result, transport = run("check_ip", {"ip": "203.0.113.7"})
    assert result["abuseConfidenceScore"] == 87 and "reports" not in result
    assert str(transport.requests[0].url) == (
        "https://api.abuseipdb.com/api/v2/check?ipAddress=203.0.113.7&maxAgeInDays=90"
    )


def test_check_ip_verbose_and_age() -> None:
    result, transport = run("check_ip", {"ip": "203.0.113.7", "max_age_days": 30, "verbose": True})
    assert result["reports"][0]["categories"] == [18]
    assert transport.requests[0].url.params["maxAgeInDays"] == "30"


def test_check_ip_age_is_bounded() -> None:
    with pytest.raises(ActionError) as caught:
        run("check_ip", {"ip": "203.0.113.7", "max_age_days": 400})
    assert caught.value.error_type == "params"


def test_report_ip_sends_categories_as_a_list() -> None:
    result, transport = run(
        "report_ip",
        {
            "ip": "203.0.113.7",
            "categories": [18, 22],
            "comment": "SSH brute force, 300 attempts",
            "timestamp": "2024-06-10T08:14:02+00:00",
        },
    )
    form = parse_qs(transport.requests[0].content.decode())
    assert form["categories"] == ["18,22"] and form["ip"] == ["203.0.113.7"]
    assert form["timestamp"] == ["2024-06-10T08:14:02+00:00"]
    assert result["abuseConfidenceScore"] == 88


def test_report_ip_refuses_unknown_categories_before_calling() -> None:
    transport = FakeTransport(abuse)
    with pytest.raises(ActionError) as caught:
        run_action(
            abuseipdb.app,
            "report_ip",
            {"ip": "203.0.113.7", "categories": [18, 99]},
            CREDS,
            transport,
        )
    assert caught.value.error_type == "params" and "99" in str(caught.value)
    assert transport.requests == []


@pytest.mark.parametrize(
    ("status", "detail", "retryable"),
    [
        (
            401,
            "Authentication failed. Your API key is either missing, incorrect, or revoked.",
            False,
        ),
        (422, "The ip address must be a valid IPv4 or IPv6 address.", False),
        (429, "You can only report the same IP address once in 15 minutes.", True),
        (500, "Server Error", True),
    ],
)
def test_vendor_errors(status: int, detail: str, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"errors": [{"detail": detail, "status": status}]})

    with pytest.raises(HttpError) as caught:
        run_action(abuseipdb.app, "check_ip", {"ip": "203.0.113.7"}, CREDS, FakeTransport(refuse))
    assert caught.value.status == status and caught.value.retryable is retryable
    assert detail[:30] in str(caught.value)
