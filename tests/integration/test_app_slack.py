"""The ``slack`` app against the Slack stand-in (incoming webhook and Web API), over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin.slack import app
from threatflow.apps.testing import run_action_async
from threatflow.errors import ActionError, HttpError, ParamsInvalid
from threatflow.standins import Reply, SlackStandIn

pytestmark = pytest.mark.integration

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Brute force* on web-01"}}]


def run(standin: SlackStandIn, action: str, params: dict[str, Any], **credentials: str) -> Any:
    merged = {**standin.credentials, **credentials}
    transport = httpx.AsyncHTTPTransport()
    return asyncio.run(run_action_async(app, action, params, merged, transport))


def test_webhook_message_posts_json_to_the_webhook(slack_standin: SlackStandIn) -> None:
    result = run(slack_standin, "send_webhook_message", {"text": "Alert", "blocks": BLOCKS})

    assert result == {"ok": True}
    [sent] = slack_standin.requests
    assert (sent["method"], sent["status"]) == ("POST", 200)
    assert sent["path"] == slack_standin.service.webhook_path
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["body"] == {"text": "Alert", "blocks": BLOCKS}
    assert slack_standin.service.messages[0]["via"] == "webhook"


def test_webhook_errors_come_back_as_final_http_errors(slack_standin: SlackStandIn) -> None:
    with pytest.raises(HttpError) as caught:
        run(slack_standin, "send_webhook_message", {"blocks": [{"text": "no type"}]})
    assert (caught.value.status, caught.value.retryable) == (400, False)
    assert "invalid_blocks" in str(caught.value)

    wrong = slack_standin.webhook_url.rsplit("/", 1)[0] + "/wrong-secret"
    with pytest.raises(HttpError) as caught:
        run(slack_standin, "send_webhook_message", {"text": "x"}, webhook_url=wrong)
    assert (caught.value.status, caught.value.retryable) == (403, False)
    assert "wrong-secret" not in str(caught.value)


def test_messages_need_text_or_blocks(slack_standin: SlackStandIn) -> None:
    with pytest.raises(ParamsInvalid):
        run(slack_standin, "send_webhook_message", {})
    with pytest.raises(ParamsInvalid):
        run(slack_standin, "post_message", {"channel": "#general", "text": ""})
    assert slack_standin.requests == []


def test_post_message_calls_chat_post_message_with_the_bot_token(
    slack_standin: SlackStandIn,
) -> None:
    answer = run(
        slack_standin,
        "post_message",
        {"channel": "#security-alerts", "text": "Alert", "blocks": BLOCKS, "thread_ts": "1.2"},
    )

    assert answer["ok"] is True and answer["channel"] == "C0DEMO0002"
    assert answer["message"]["blocks"] == BLOCKS
    assert "warning" not in answer  # the charset is declared
    [sent] = slack_standin.requests
    assert (sent["method"], sent["path"]) == ("POST", "/api/chat.postMessage")
    assert sent["headers"]["Authorization"] == "Bearer xoxb-demo-token"
    assert sent["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert sent["body"] == {
        "channel": "#security-alerts",
        "text": "Alert",
        "blocks": BLOCKS,
        "thread_ts": "1.2",
        "unfurl_links": False,
    }


@pytest.mark.parametrize(
    ("params", "credentials", "code"),
    [
        ({"channel": "#nowhere", "text": "x"}, {}, "channel_not_found"),
        ({"channel": "C0DEMO0001", "text": "x"}, {"bot_token": "xoxb-wrong"}, "invalid_auth"),
    ],
)
def test_ok_false_answers_are_final_vendor_errors(
    slack_standin: SlackStandIn, params: dict[str, Any], credentials: dict[str, str], code: str
) -> None:
    with pytest.raises(ActionError) as caught:
        run(slack_standin, "post_message", params, **credentials)
    assert (caught.value.error_type, caught.value.retryable) == ("vendor", False)
    assert caught.value.details == {"slack_error": code}
    assert slack_standin.requests[0]["status"] == 200


def test_ratelimited_is_retryable_as_ok_false_or_as_429(slack_standin: SlackStandIn) -> None:
    slack_standin.fail_next(Reply.json(200, {"ok": False, "error": "ratelimited"}))
    with pytest.raises(ActionError) as caught:
        run(slack_standin, "post_message", {"channel": "C0DEMO0001", "text": "x"})
    assert (caught.value.error_type, caught.value.retryable) == ("vendor", True)

    slack_standin.rate_limit(retry_after=3)
    with pytest.raises(HttpError) as limited:
        run(slack_standin, "post_message", {"channel": "C0DEMO0001", "text": "x"})
    assert (limited.value.status, limited.value.retryable) == (429, True)


def test_server_errors_are_retryable(slack_standin: SlackStandIn) -> None:
    slack_standin.fail_next(Reply.text(503, "service unavailable"))
    with pytest.raises(HttpError) as caught:
        run(slack_standin, "send_webhook_message", {"text": "x"})
    assert (caught.value.status, caught.value.retryable) == (503, True)


def test_missing_bot_token_is_a_credential_error(slack_standin: SlackStandIn) -> None:
    with pytest.raises(ActionError) as caught:
        run(slack_standin, "post_message", {"channel": "C0DEMO0001", "text": "x"}, bot_token="")
    assert (caught.value.error_type, caught.value.retryable) == ("credential", False)


def test_standin_warns_about_a_missing_charset_like_slack(slack_standin: SlackStandIn) -> None:
    answer = httpx.post(
        slack_standin.api_url + "/chat.postMessage",
        json={"channel": "C0DEMO0001", "text": "x"},
        headers={"Authorization": "Bearer " + slack_standin.bot_token},
    ).json()
    assert answer["ok"] is True
    assert answer["response_metadata"] == {"warnings": ["missing_charset"]}
    unauthenticated = httpx.post(slack_standin.api_url + "/chat.postMessage", json={}).json()
    assert unauthenticated == {"ok": False, "error": "not_authed"}


def test_test_connection(slack_standin: SlackStandIn) -> None:
    with_token = run(slack_standin, "test_connection", {})
    assert with_token["ok"] is True and with_token["team_id"] == "T0DEMO0001"
    assert slack_standin.requests[0]["path"] == "/api/auth.test"

    webhook_only = run(slack_standin, "test_connection", {}, bot_token="")
    assert webhook_only["ok"] is True
    assert len(slack_standin.requests) == 1  # checking a webhook alone posts nothing
