"""The ntfy app against a stand-in that checks path, headers, token and body as ntfy reads them."""

from __future__ import annotations

from email.header import decode_header
from typing import Any

import httpx
import pytest
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

from threatflow_ntfy import app
from threatflow_ntfy.actions import MESSAGE_LIMIT, header_value

TOKEN = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"
CREDS = {"base_url": "https://ntfy.example.net", "token": TOKEN, "topic": "soc-alerts"}


def ntfy(request: httpx.Request) -> httpx.Response:
    """Publishing, health and account as a token-protected ntfy server answers them."""
    if request.headers.get("authorization", f"Bearer {TOKEN}") != f"Bearer {TOKEN}":
        return httpx.Response(401, json={"code": 40101, "http": 401, "error": "unauthorized"})
    path = request.url.path
    if request.method == "GET" and path == "/v1/health":
        return httpx.Response(200, json={"healthy": True})
    if request.method == "GET" and path == "/v1/account":
        return httpx.Response(200, json={"username": "threatflow", "role": "user"})
    assert request.method == "POST" and path.count("/") == 1, f"{request.method} {path}"
    message = {"id": "sPs71M8A2T", "time": 1717000000, "expires": 1717043200,
               "event": "message", "topic": path[1:], "message": request.content.decode()}
    return httpx.Response(200, json=message)


def run(params: dict[str, Any], creds: dict[str, Any] | None = None, handler: Any = ntfy,
        action: str = "send_notification") -> tuple[Any, FakeTransport]:
    transport = FakeTransport(handler)
    result = run_action(app, action, params, CREDS if creds is None else creds, transport)
    return result, transport


def refusing(status: int, body: dict[str, Any]) -> Any:
    return lambda request: httpx.Response(status, json=body)


def test_a_full_notification() -> None:
    params = {"message": "Brute force on web-01", "title": "Threatflow", "priority": 5,
              "tags": ["warning", "skull"], "click": "https://soc.example.net/cases/42",
              "markdown": True}
    result, transport = run(params)
    assert result == {"id": "sPs71M8A2T", "time": 1717000000, "expires": 1717043200,
                      "topic": "soc-alerts"}
    request = transport.requests[0]
    assert str(request.url) == "https://ntfy.example.net/soc-alerts"
    assert request.content == b"Brute force on web-01"
    headers = request.headers
    assert (headers["title"], headers["priority"], headers["tags"]) == (
        "Threatflow", "5", "warning,skull")
    assert (headers["click"], headers["markdown"]) == ("https://soc.example.net/cases/42", "yes")
    assert headers["authorization"] == f"Bearer {TOKEN}"


def test_a_public_topic_sends_no_token_and_only_the_priority() -> None:
    _, transport = run({"message": "hello", "topic": "public-topic"},
                       {"base_url": "https://ntfy.sh/"})
    request = transport.requests[0]
    assert str(request.url) == "https://ntfy.sh/public-topic"
    assert "authorization" not in request.headers and "title" not in request.headers
    assert request.headers["priority"] == "3"


def test_non_ascii_titles_and_tags_are_encoded_words() -> None:
    _, transport = run({"message": "Übung", "title": "Alarm: Anmeldung fehlgeschlagen ⚠",
                        "tags": ["rotating_light", "Prüfung"]})
    request = transport.requests[0]
    assert request.content == "Übung".encode()
    for header, text in (("title", "Alarm: Anmeldung fehlgeschlagen ⚠"),
                         ("tags", "rotating_light,Prüfung")):
        [(raw, charset)] = decode_header(request.headers[header])
        assert isinstance(raw, bytes) and raw.decode(charset or "ascii") == text
    assert header_value("plain") == "plain"


def test_a_title_cannot_add_headers() -> None:
    _, transport = run({"message": "hi", "title": "x\r\nX-Injected: 1"})
    request = transport.requests[0]
    assert "x-injected" not in request.headers
    [(raw, charset)] = decode_header(request.headers["title"])
    assert isinstance(raw, bytes) and raw.decode(charset or "ascii") == "x\r\nX-Injected: 1"


def test_no_topic_anywhere_is_a_credential_error() -> None:
    with pytest.raises(ActionError) as caught:
        run({"message": "hi"}, {"base_url": "https://ntfy.sh"})
    assert (caught.value.error_type, caught.value.retryable) == ("credential", False)


def test_a_default_topic_that_would_change_the_path_is_refused() -> None:
    transport = FakeTransport(ntfy)
    with pytest.raises(ActionError) as caught:
        run_action(app, "send_notification", {"message": "hi"},
                   {**CREDS, "topic": "../v1/account"}, transport)
    assert caught.value.error_type == "credential" and transport.requests == []


@pytest.mark.parametrize(("params", "field"), [
    ({"message": ""}, "params.message"),
    ({"message": "hi", "priority": 6}, "params.priority"),
    ({"message": "hi", "tags": ["a,b"]}, "params.tags.0"),
    ({"message": "hi", "topic": "has/slash"}, "params.topic"),
    ({"message": "hi", "click": "javascript:alert(1)"}, "params.click"),
    ({"message": "hi", "click": "https://exämple.net/"}, "params.click"),
    ({"message": "é" * (MESSAGE_LIMIT // 2 + 1)}, "params.message"),
])
def test_bad_parameters_fail_before_any_request(params: dict[str, Any], field: str) -> None:
    transport = FakeTransport(ntfy)
    with pytest.raises(ParamsInvalid) as caught:
        run_action(app, "send_notification", params, CREDS, transport)
    assert [p.path for p in caught.value.problems] == [field]
    assert transport.requests == []


def test_a_wrong_token_is_refused_and_not_retried() -> None:
    with pytest.raises(HttpError) as caught:
        run({"message": "hi"}, {**CREDS, "token": "tk_wrong"})
    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert "unauthorized" in str(caught.value)


@pytest.mark.parametrize(("status", "error", "retryable"), [
    (403, "forbidden", False),
    (429, "limit reached: too many requests", True),
    (507, "insufficient storage", True),
])
def test_refusals_keep_the_status_and_ntfy_words(status: int, error: str, retryable: bool) -> None:
    body = {"code": status * 100 + 1, "http": status, "error": error}
    with pytest.raises(HttpError) as caught:
        run({"message": "hi"}, handler=refusing(status, body))
    assert (caught.value.status, caught.value.retryable) == (status, retryable)
    assert error in str(caught.value)


def test_an_answer_that_is_not_json_is_a_vendor_error() -> None:
    with pytest.raises(ActionError) as caught:
        run({"message": "hi"}, handler=lambda request: httpx.Response(200, text="<html/>"))
    assert (caught.value.error_type, caught.value.retryable) == ("vendor", False)


def test_a_server_that_does_not_answer_in_time_is_retryable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ActionError) as caught:
        run({"message": "hi"}, handler=slow)
    assert (caught.value.error_type, caught.value.retryable) == ("timeout", True)


def test_test_connection_checks_health_and_token() -> None:
    result, transport = run({}, action="test_connection")
    assert result == {"ok": True, "username": "threatflow"}
    assert [r.url.path for r in transport.requests] == ["/v1/health", "/v1/account"]
    assert "authorization" not in transport.requests[0].headers


def test_test_connection_without_a_token_only_checks_health() -> None:
    result, transport = run({}, {"base_url": "https://ntfy.sh"}, action="test_connection")
    assert result == {"ok": True, "username": None}
    assert len(transport.requests) == 1


def test_an_unhealthy_server_is_a_retryable_failure() -> None:
    with pytest.raises(ActionError) as caught:
        run({}, handler=refusing(200, {"healthy": False}), action="test_connection")
    assert (caught.value.error_type, caught.value.retryable) == ("vendor", True)
