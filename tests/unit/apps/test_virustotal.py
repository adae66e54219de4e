"""VirusTotal v3 app against a stand-in that checks paths, the x-apikey header and bodies."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from threatflow.apps.builtin import virustotal
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError

CREDS = {"api_key": "vt-key-0123456789"}
API = "/api/v3"
SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"


def report(kind: str, key: str, malicious: int) -> dict[str, Any]:
    stats = {"harmless": 60, "malicious": malicious, "suspicious": 1, "undetected": 20}
    return {
        "data": {
            "id": key,
            "type": kind,
            "links": {"self": f"https://www.virustotal.com{API}/x/{key}"},
            "attributes": {"last_analysis_stats": stats, "reputation": -12, "tags": []},
        }
    }


def not_found(what: str) -> httpx.Response:
    body = {"error": {"code": "NotFoundError", "message": f"{what} not found"}}
    return httpx.Response(404, json=body)


def vt(request: httpx.Request) -> httpx.Response:
    """Answers like VirusTotal, after checking the documented request shape."""
    assert request.headers["x-apikey"] == "vt-key-0123456789"
    path = request.url.path
    assert path.startswith(API)
    tail = path.removeprefix(API)
    if request.method == "POST" and tail == "/urls":
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        url = parse_qs(request.content.decode())["url"][0]
        analysis = f"u-{virustotal.url_id(url)[:16]}-1718000000"
        return httpx.Response(200, json={"data": {"type": "analysis", "id": analysis}})
    assert request.method == "GET"
    if tail == "/popular_threat_categories":
        return httpx.Response(200, json={"data": ["trojan", "dropper", "ransomware"]})
    collection, _, key = tail.strip("/").partition("/")
    if collection == "analyses":
        attributes = {"status": "completed", "stats": {"malicious": 3, "harmless": 70}}
        return httpx.Response(200, json={"data": {"id": key, "attributes": attributes}})
    if key.startswith("unknown") or key == "0" * 64:
        return not_found(key)
    kinds = {"ip_addresses": "ip_address", "domains": "domain", "urls": "url", "files": "file"}
    return httpx.Response(200, json=report(kinds[collection], key, 5))


def run(action: str, params: dict[str, Any], handler: Any = vt) -> tuple[Any, FakeTransport]:
    transport = FakeTransport(handler)
    return run_action(virustotal.app, action, params, CREDS, transport), transport


def test_url_id_is_unpadded_base64url() -> None:
    url = "https://example.org/login?next=/a b"
    identifier = virustotal.url_id(url)
    assert "=" not in identifier and "+" not in identifier and "/" not in identifier
    assert base64.urlsafe_b64decode(identifier + "=" * (-len(identifier) % 4)).decode() == url


def test_test_connection_costs_no_lookup() -> None:
    result, transport = run("test_connection", {})
    assert result == {"ok": True, "categories": 3}
    assert str(transport.requests[0].url) == (
        "https://www.virustotal.com/api/v3/popular_threat_categories"
    )


def test_ip_report_summarizes_detections() -> None:
    result, transport = run("ip_report", {"ip": "203.0.113.7"})
    assert transport.requests[0].url.path == "/api/v3/ip_addresses/203.0.113.7"
    assert result["found"] is True and result["malicious"] == 5 and result["reputation"] == -12


def test_domain_report_normalizes_the_name() -> None:
    result, transport = run("domain_report", {"domain": "Evil.Example."})
    assert transport.requests[0].url.path == "/api/v3/domains/evil.example"
    assert result["type"] == "domain"


def test_url_report_uses_the_url_identifier() -> None:
    url = "http://evil.example/payload.exe"
    result, transport = run("url_report", {"url": url})
    assert transport.requests[0].url.path == f"/api/v3/urls/{virustotal.url_id(url)}"
    assert result["found"] is True


def test_file_report_and_unknown_file() -> None:
    known, _ = run("file_report", {"hash": SHA256.upper()})
    unknown, transport = run("file_report", {"hash": "0" * 64})
    assert known["id"] == SHA256 and known["malicious"] == 5
    assert unknown == {"found": False}
    assert transport.requests[0].url.path == f"/api/v3/files/{'0' * 64}"


def test_file_report_rejects_a_non_hash_before_calling() -> None:
    transport = FakeTransport(vt)
    with pytest.raises(ActionError) as caught:
        run_action(virustotal.app, "file_report", {"hash": "not-a-hash"}, CREDS, transport)
    assert caught.value.error_type == "params" and transport.requests == []


def test_submit_url_and_poll_analysis() -> None:
    url = "http://evil.example/login"
    submitted, transport = run("submit_url", {"url": url})
    assert parse_qs(transport.requests[0].content.decode()) == {"url": [url]}
    assert submitted["url_id"] == virustotal.url_id(url)

    analysis, transport = run("get_analysis", {"analysis_id": submitted["analysis_id"]})
    assert transport.requests[0].url.path == f"/api/v3/analyses/{submitted['analysis_id']}"
    assert analysis == {"status": "completed", "stats": {"malicious": 3, "harmless": 70}}


def test_custom_base_url() -> None:
    creds = {**CREDS, "url": "http://vt-proxy.internal:8080/api/v3/"}
    transport = FakeTransport(vt)
    run_action(virustotal.app, "ip_report", {"ip": "2001:db8::1"}, creds, transport)
    assert str(transport.requests[0].url) == (
        "http://vt-proxy.internal:8080/api/v3/ip_addresses/2001:db8::1"
    )


def test_invalid_ip_is_a_params_error() -> None:
    with pytest.raises(ActionError) as caught:
        run("ip_report", {"ip": "999.1.1.1"})
    assert caught.value.error_type == "params"


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (401, "WrongCredentialsError", False),
        (403, "ForbiddenError", False),
        (429, "QuotaExceededError", True),
        (503, "TransientError", True),
    ],
)
def test_vendor_errors(status: int, code: str, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": {"code": code, "message": "refused"}})

    with pytest.raises(HttpError) as caught:
        run("ip_report", {"ip": "203.0.113.7"}, refuse)
    assert caught.value.status == status and caught.value.retryable is retryable
    assert code in str(caught.value)
