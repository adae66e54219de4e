"""The URLhaus app against a stand-in that checks method, path, Auth-Key and form body."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from threatflow.apps.testing import FakeTransport, run_action, run_action_async
from threatflow.errors import ActionError, HttpError, ParamsInvalid

from threatflow_urlhaus import app

KEY = "test-auth-key"
CREDS = {"auth_key": KEY}
BAD_URL = "http://198.51.100.23/bins/x86.exe"
BAD_HOST = "198.51.100.23"
MD5 = "99ad3000abb169e60844a0689dbe9f8c"
SHA256 = "0c415dd718e3b3728707d579cf8214f54c2942e964975a5f925e0b82fea644b4"

URL_RECORD = {
    "query_status": "ok",
    "id": "105821",
    "urlhaus_reference": "https://urlhaus.abuse.ch/url/105821/",
    "url": BAD_URL,
    "url_status": "online",
    "host": BAD_HOST,
    "threat": "malware_download",
    "blacklists": {"spamhaus_dbl": "not listed", "surbl": "not listed"},
    "tags": ["elf", "mirai"],
    "payloads": [],
}
HOST_RECORD = {"query_status": "ok", "host": BAD_HOST, "url_count": "3", "urls": []}
PAYLOAD_RECORD = {"query_status": "ok", "md5_hash": MD5, "sha256_hash": SHA256,
                  "file_type": "exe", "signature": "AgentTesla", "urls": []}


def form_of(request: httpx.Request) -> dict[str, str]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def urlhaus(request: httpx.Request) -> httpx.Response:
    """What the documented API answers for the indicators above."""
    assert request.headers["auth-key"] == KEY
    path = request.url.path
    if request.method == "GET" and path == "/v1/urls/recent/limit/1/":
        return httpx.Response(200, json={"query_status": "ok", "urls": [URL_RECORD]})
    assert request.method == "POST", f"{request.method} {path}"
    form = form_of(request)
    if path == "/v1/url/":
        found = form == {"url": BAD_URL}
        return httpx.Response(200, json=URL_RECORD if found else {"query_status": "no_results"})
    if path == "/v1/host/":
        found = form == {"host": BAD_HOST}
        return httpx.Response(200, json=HOST_RECORD if found else {"query_status": "no_results"})
    if path == "/v1/payload/":
        found = form in ({"md5_hash": MD5}, {"sha256_hash": SHA256})
        return httpx.Response(200, json=PAYLOAD_RECORD if found else {"query_status": "no_results"})
    return httpx.Response(404, text="not found")


def run(action: str, params: dict[str, Any], creds: dict[str, Any] | None = None,
        handler: Any = urlhaus) -> tuple[Any, FakeTransport]:
    transport = FakeTransport(handler)
    result = run_action(app, action, params, CREDS if creds is None else creds, transport)
    return result, transport


def answering(status: int, body: Any) -> Any:
    return lambda request: httpx.Response(status, json=body)


def test_test_connection_reads_the_latest_url() -> None:
    result, transport = run("test_connection", {})
    assert result == {"ok": True, "recent_urls": 1}
    assert str(transport.requests[0].url) == "https://urlhaus-api.abuse.ch/v1/urls/recent/limit/1/"


def test_url_lookup_returns_the_record() -> None:
    result, transport = run("url_lookup", {"url": BAD_URL})
    assert result["found"] is True
    assert (result["url_status"], result["threat"]) == ("online", "malware_download")
    assert transport.requests[0].url.path == "/v1/url/"


def test_an_unlisted_url_is_an_answer_not_an_error() -> None:
    result, _ = run("url_lookup", {"url": "https://example.org/"})
    assert result == {"found": False, "query_status": "no_results"}


def test_one_log_line_per_call_and_never_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="threatflow.apps.test")
    run("url_lookup", {"url": "https://example.org/"})
    assert [r.levelname for r in caplog.records] == ["INFO", "DEBUG"]
    assert "http POST https://urlhaus-api.abuse.ch/v1/url/ -> 200" in caplog.text
    assert KEY not in caplog.text


def test_host_lookup() -> None:
    result, transport = run("host_lookup", {"host": BAD_HOST})
    assert result["found"] is True and result["url_count"] == "3"
    assert form_of(transport.requests[0]) == {"host": BAD_HOST}


@pytest.mark.parametrize(("file_hash", "field"),
                         [(MD5, "md5_hash"), (SHA256.upper(), "sha256_hash")])
def test_payload_lookup_picks_the_field_from_the_hash_length(file_hash: str, field: str) -> None:
    result, transport = run("payload_lookup", {"file_hash": file_hash})
    assert result["signature"] == "AgentTesla"
    assert form_of(transport.requests[0]) == {field: file_hash.lower()}


def test_the_api_url_can_point_elsewhere() -> None:
    creds = {**CREDS, "url": "http://127.0.0.1:8080/v1/"}
    _, transport = run("host_lookup", {"host": BAD_HOST}, creds)
    assert str(transport.requests[0].url) == "http://127.0.0.1:8080/v1/host/"


def test_lookups_run_concurrently_with_the_async_kit() -> None:
    async def both() -> tuple[Any, Any]:
        transport = FakeTransport(urlhaus)
        return await asyncio.gather(
            run_action_async(app, "url_lookup", {"url": BAD_URL}, CREDS, transport),
            run_action_async(app, "host_lookup", {"host": "example.org"}, CREDS, transport),
        )

    url_result, host_result = asyncio.run(both())
    assert (url_result["found"], host_result["found"]) == (True, False)


@pytest.mark.parametrize(("action", "params", "field"), [
    ("payload_lookup", {"file_hash": "abc123"}, "params.file_hash"),
    ("url_lookup", {"url": "ftp://198.51.100.23/x"}, "params.url"),
    ("host_lookup", {"host": "bad host"}, "params.host"),
    ("url_lookup", {}, "params.url"),
])
def test_bad_parameters_fail_before_any_request(
    action: str, params: dict[str, Any], field: str
) -> None:
    transport = FakeTransport(urlhaus)
    with pytest.raises(ParamsInvalid) as caught:
        run_action(app, action, params, CREDS, transport)
    assert [p.path for p in caught.value.problems] == [field]
    assert caught.value.retryable is False and transport.requests == []


def test_a_parameter_urlhaus_refuses_is_pinned_on_its_field() -> None:
    with pytest.raises(ParamsInvalid) as caught:
        run("url_lookup", {"url": "http://x"},
            handler=answering(200, {"query_status": "invalid_url"}))
    assert caught.value.problems[0].path == "params.url"
    assert caught.value.error_type == "params"


def test_a_missing_key_fails_without_a_request() -> None:
    transport = FakeTransport(urlhaus)
    with pytest.raises(ActionError) as caught:
        run_action(app, "host_lookup", {"host": BAD_HOST}, {}, transport)
    assert (caught.value.error_type, caught.value.retryable) == ("credential", False)
    assert transport.requests == []


@pytest.mark.parametrize(("status", "body"), [
    (401, {"query_status": "unknown_auth_key"}),
    (200, {"query_status": "unknown_auth_key"}),
])
def test_an_unknown_key_is_a_credential_error(status: int, body: dict[str, str]) -> None:
    with pytest.raises(ActionError) as caught:
        run("host_lookup", {"host": BAD_HOST}, handler=answering(status, body))
    assert (caught.value.error_type, caught.value.retryable) == ("credential", False)


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (503, True), (400, False)])
def test_http_errors_keep_their_status(status: int, retryable: bool) -> None:
    with pytest.raises(HttpError) as caught:
        run("url_lookup", {"url": BAD_URL}, handler=answering(status, {"error": "busy"}))
    assert (caught.value.status, caught.value.retryable) == (status, retryable)


def test_an_unexpected_answer_is_a_vendor_error() -> None:
    with pytest.raises(ActionError) as caught:
        run("url_lookup", {"url": BAD_URL},
            handler=answering(200, {"query_status": "http_post_expected"}))
    assert caught.value.error_type == "vendor"
    assert caught.value.details == {"query_status": "http_post_expected"}


def test_a_page_that_is_not_json_is_a_vendor_error() -> None:
    with pytest.raises(ActionError) as caught:
        run("url_lookup", {"url": BAD_URL},
            handler=lambda request: httpx.Response(200, text="<html>maintenance</html>"))
    assert (caught.value.error_type, caught.value.retryable) == ("vendor", False)


def test_unreachable_api_is_a_retryable_connection_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ActionError) as caught:
        run("url_lookup", {"url": BAD_URL}, handler=refuse)
    assert (caught.value.error_type, caught.value.retryable) == ("connection", True)


def test_the_form_shows_the_constraints() -> None:
    schema = app.actions["payload_lookup"].params_schema()
    assert schema["required"] == ["file_hash"]
    assert schema["properties"]["file_hash"]["pattern"].startswith("^(")
    secret = {f.name for f in app.credential_fields if f.secret}
    assert secret == {"auth_key"}
