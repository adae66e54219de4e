"""Mattermost app: incoming webhook and REST API v4 posts."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from threatflow.apps.builtin import mattermost
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

HOOK = "https://chat.acme.test/hooks/xxx-generatedkey-xxx"
API = {"base_url": "https://chat.acme.test", "token": "mm-token"}
CHANNEL = "fy8j97gwii84bk4zxprbpc9d9w"


def test_post_webhook() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, str(request.url)) == ("POST", HOOK)
        assert "Authorization" not in request.headers
        assert json.loads(request.content) == {
            "text": "#### Alert\nssh brute force",
            "channel": "town-square",
            "username": "soar",
        }
        return httpx.Response(200, text="ok")

    result = run_action(
        mattermost.app,
        "post_webhook",
        {"text": "#### Alert\nssh brute force", "channel": "town-square", "username": "soar"},
        {"webhook_url": HOOK},
        FakeTransport(handler),
    )
    assert result == {"delivered": True, "status": 200}


def test_post_message_with_bearer_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/api/v4/posts")
        assert request.headers["Authorization"] == "Bearer mm-token"
        assert json.loads(request.content) == {
            "channel_id": CHANNEL,
            "message": "contained",
            "root_id": "a" * 26,
        }
        return httpx.Response(
            201,
            json={
                "id": "b" * 26,
                "channel_id": CHANNEL,
                "create_at": 1714550400000,
                "message": "contained",
                "user_id": "c" * 26,
            },
        )

    result = run_action(
        mattermost.app,
        "post_message",
        {"channel_id": CHANNEL, "message": "contained", "root_id": "a" * 26},
        API,
        FakeTransport(handler),
    )
    assert result == {"id": "b" * 26, "channel_id": CHANNEL, "create_at": 1714550400000}


def test_post_message_validates_ids_and_needs_token() -> None:
    transport = FakeTransport()
    with pytest.raises(ParamsInvalid):
        run_action(
            mattermost.app,
            "post_message",
            {"channel_id": "../users", "message": "x"},
            API,
            transport,
        )
    with pytest.raises(ActionError) as caught:
        run_action(
            mattermost.app,
            "post_message",
            {"channel_id": CHANNEL, "message": "x"},
            {"base_url": "https://chat.acme.test"},
            transport,
        )
    assert caught.value.error_type == "credential"
    assert transport.requests == []


def test_test_connection() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("GET", "/api/v4/users/me")
        assert request.headers["Authorization"] == "Bearer mm-token"
        return httpx.Response(200, json={"id": "d" * 26, "username": "soar-bot"})

    assert run_action(mattermost.app, "test_connection", {}, API, FakeTransport(handler)) == {
        "ok": True,
        "username": "soar-bot",
        "id": "d" * 26,
    }


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (404, False), (429, True), (500, True)]
)
def test_errors(status: int, retryable: bool) -> None:
    body = {
        "id": "api.context.session_expired.app_error",
        "message": "Invalid or expired session, please login again.",
        "detailed_error": "",
        "request_id": "r1",
        "status_code": status,
    }
    transport = FakeTransport(lambda request: httpx.Response(status, json=body))
    with pytest.raises(HttpError) as caught:
        run_action(mattermost.app, "test_connection", {}, API, transport)
    assert caught.value.retryable is retryable
    assert "Invalid or expired session" in str(caught.value)


def test_webhook_key_stays_out_of_our_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    transport = FakeTransport(lambda request: httpx.Response(200, text="ok"))
    run_action(mattermost.app, "post_webhook", {"text": "x"}, {"webhook_url": HOOK}, transport)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("threatflow")]
    assert ours and not any("generatedkey" in line for line in ours)
