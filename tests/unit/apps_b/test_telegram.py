"""Telegram app against a stand-in for the Bot API."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from threatflow.apps.builtin import telegram
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
CREDS = {"bot_token": TOKEN}


def test_send_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert request.url.host == "api.telegram.org"
        assert request.url.path == f"/bot{TOKEN}/sendMessage"
        assert json.loads(request.content) == {
            "chat_id": "-1001234567890",
            "text": "<b>Alert</b> on host-12",
            "disable_notification": True,
            "parse_mode": "HTML",
            "message_thread_id": 7,
        }
        return httpx.Response(
            200,
            json={
                "ok": True,
                "result": {
                    "message_id": 991,
                    "date": 1714550400,
                    "text": "Alert on host-12",
                    "chat": {"id": -1001234567890, "type": "supergroup", "title": "SOC"},
                },
            },
        )

    result = run_action(
        telegram.app,
        "send_message",
        {
            "chat_id": "-1001234567890",
            "text": "<b>Alert</b> on host-12",
            "parse_mode": "HTML",
            "disable_notification": True,
            "message_thread_id": 7,
        },
        CREDS,
        FakeTransport(handler),
    )
    assert result == {"message_id": 991, "chat_id": -1001234567890, "date": 1714550400}


def test_channel_username_and_custom_server() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == f"http://127.0.0.1:8081/bot{TOKEN}/sendMessage"
        assert json.loads(request.content)["chat_id"] == "@soc_alerts"
        return httpx.Response(200, json={"ok": True, "result": {"message_id": 1, "chat": {}}})

    creds = {**CREDS, "base_url": "http://127.0.0.1:8081/"}
    run_action(
        telegram.app,
        "send_message",
        {"chat_id": "@soc_alerts", "text": "x"},
        creds,
        FakeTransport(handler),
    )


def test_bad_chat_id_and_bad_token_send_nothing() -> None:
    transport = FakeTransport()
    with pytest.raises(ParamsInvalid):
        run_action(
            telegram.app, "send_message", {"chat_id": "1/../x", "text": "x"}, CREDS, transport
        )
    with pytest.raises(ActionError) as caught:
        run_action(telegram.app, "test_connection", {}, {"bot_token": "abc/../../x"}, transport)
    assert caught.value.error_type == "credential"
    assert transport.requests == []


def test_too_many_requests_is_retryable_with_retry_after() -> None:
    answer = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 5",
        "parameters": {"retry_after": 5},
    }
    transport = FakeTransport(lambda request: httpx.Response(429, json=answer))
    with pytest.raises(HttpError) as caught:
        run_action(telegram.app, "send_message", {"chat_id": "42", "text": "x"}, CREDS, transport)
    assert caught.value.status == 429 and caught.value.retryable
    assert caught.value.details["retry_after"] == 5
    assert "retry after 5" in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("code", "description", "retryable"),
    [
        (400, "Bad Request: chat not found", False),
        (401, "Unauthorized", False),
        (403, "Forbidden: bot was blocked by the user", False),
        (404, "Not Found", False),
        (502, "Bad Gateway", True),
    ],
)
def test_refusals_map_error_code(code: int, description: str, retryable: bool) -> None:
    answer = {"ok": False, "error_code": code, "description": description}
    transport = FakeTransport(lambda request: httpx.Response(code, json=answer))
    with pytest.raises(HttpError) as caught:
        run_action(telegram.app, "send_message", {"chat_id": "42", "text": "x"}, CREDS, transport)
    assert caught.value.status == code
    assert caught.value.retryable is retryable
    assert description in str(caught.value)


def test_group_migration_is_reported() -> None:
    answer = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": -1009876543210},
    }
    transport = FakeTransport(lambda request: httpx.Response(400, json=answer))
    with pytest.raises(HttpError) as caught:
        run_action(telegram.app, "send_message", {"chat_id": "-42", "text": "x"}, CREDS, transport)
    assert caught.value.details["migrate_to_chat_id"] == -1009876543210


def test_test_connection_calls_get_me() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/bot{TOKEN}/getMe"
        return httpx.Response(
            200,
            json={
                "ok": True,
                "result": {
                    "id": 123456,
                    "is_bot": True,
                    "first_name": "SOC",
                    "username": "soc_bot",
                },
            },
        )

    assert run_action(telegram.app, "test_connection", {}, CREDS, FakeTransport(handler)) == {
        "ok": True,
        "bot": "soc_bot",
        "id": 123456,
    }


def test_bot_token_stays_out_of_our_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    transport = FakeTransport(
        lambda request: httpx.Response(200, json={"ok": True, "result": {"id": 1}})
    )
    run_action(telegram.app, "test_connection", {}, CREDS, transport)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("threatflow")]
    assert ours and not any(TOKEN in line for line in ours)
