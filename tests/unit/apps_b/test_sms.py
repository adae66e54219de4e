"""Generic SMS gateway app: templating, escaping and authentication."""

from __future__ import annotations

import json

import httpx
import pytest

from threatflow.apps.builtin import sms
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

JSON_GATEWAY = {
    "url": "https://sms.acme.test/api/send",
    "auth_header": "X-Api-Key",
    "auth_value": "k-123",
}


def test_json_gateway_escapes_the_message() -> None:
    message = 'He said "block {to}"\nnow'

    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, str(request.url)) == ("POST", "https://sms.acme.test/api/send")
        assert request.headers["X-Api-Key"] == "k-123"
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == {"to": "+33612345678", "message": message}
        return httpx.Response(200, json={"id": "msg-1", "status": "queued"})

    result = run_action(
        sms.app,
        "send_sms",
        {"to": "+33 6 12-34-56-78", "message": message},
        JSON_GATEWAY,
        FakeTransport(handler),
    )
    assert result == {"sent": True, "status": 200, "response": {"id": "msg-1", "status": "queued"}}


def test_form_gateway_with_custom_template() -> None:
    creds = {
        "url": "https://gw.acme.test/send",
        "content_type": "application/x-www-form-urlencoded",
        "body_template": "dest={to}&text={message}&from=SOC",
        "auth_value": "Bearer t",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer t"
        assert request.content == b"dest=4915112345678&text=a%26b%3Dc+d&from=SOC"
        return httpx.Response(201, text="OK 1 sent")

    result = run_action(
        sms.app,
        "send_sms",
        {"to": "4915112345678", "message": "a&b=c d"},
        creds,
        FakeTransport(handler),
    )
    assert result["response"] == "OK 1 sent"


def test_get_gateway_puts_values_in_the_query() -> None:
    creds = {"url": "https://gw.acme.test/http/send?to={to}&msg={message}", "method": "get"}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET"
        assert request.url.params["to"] == "+15551234567"
        assert request.url.params["msg"] == "x&admin=1"
        assert request.content == b""
        return httpx.Response(200, text="ok")

    run_action(
        sms.app,
        "send_sms",
        {"to": "+15551234567", "message": "x&admin=1"},
        creds,
        FakeTransport(handler),
    )


def test_invalid_number_and_broken_template_send_nothing() -> None:
    transport = FakeTransport()
    with pytest.raises(ParamsInvalid):
        run_action(
            sms.app, "send_sms", {"to": "+1555; rm -rf", "message": "x"}, JSON_GATEWAY, transport
        )
    broken = {**JSON_GATEWAY, "body_template": '{"to": {to}}'}
    with pytest.raises(ActionError) as caught:
        run_action(sms.app, "send_sms", {"to": "+15551234567", "message": "x"}, broken, transport)
    assert caught.value.error_type == "credential"
    assert transport.requests == []


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (404, False), (429, True), (503, True)]
)
def test_errors(status: int, retryable: bool) -> None:
    transport = FakeTransport(lambda request: httpx.Response(status, json={"error": "quota"}))
    with pytest.raises(HttpError) as caught:
        run_action(
            sms.app, "send_sms", {"to": "+15551234567", "message": "x"}, JSON_GATEWAY, transport
        )
    assert caught.value.retryable is retryable
    assert "quota" in str(caught.value)
