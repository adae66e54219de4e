"""Teams app: Adaptive Card envelope posted to a workflow or legacy webhook URL."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from threatflow.apps.builtin import teams
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

WORKFLOW = (
    "https://prod-01.westeurope.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=S3CR3TSIG"
)


def _attachment(request: httpx.Request) -> dict[str, object]:
    body = json.loads(request.content)
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] == "1.4"
    return card  # type: ignore[no-any-return]  # JSON object checked above


def test_send_message_to_workflow_keeps_signature_out_of_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert request.url.path == "/workflows/abc123/triggers/manual/paths/invoke"
        assert request.url.params["sig"] == "S3CR3TSIG"
        assert request.url.params["sp"] == "/triggers/manual/run"
        assert request.url.params["api-version"] == "2016-06-01"
        card = _attachment(request)
        assert card["body"] == [
            {
                "type": "TextBlock",
                "text": "Host isolated",
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            },
            {"type": "TextBlock", "text": "host-12 was isolated by playbook P1", "wrap": True},
            {"type": "FactSet", "facts": [{"title": "Severity", "value": "high"}]},
        ]
        assert card["actions"] == [
            {"type": "Action.OpenUrl", "title": "Open incident", "url": "https://tf/inc/1"}
        ]
        return httpx.Response(202)

    caplog.set_level(logging.INFO)
    result = run_action(
        teams.app,
        "send_message",
        {
            "title": "Host isolated",
            "text": "host-12 was isolated by playbook P1",
            "facts": {"Severity": "high"},
            "link_url": "https://tf/inc/1",
            "link_title": "Open incident",
        },
        {"webhook_url": WORKFLOW},
        FakeTransport(handler),
    )
    assert result == {"delivered": True, "status": 202}
    # httpx's own logger prints full URLs; the platform's logging setup must quieten it.
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("threatflow")]
    assert any("http POST" in line for line in ours)
    assert not any("S3CR3TSIG" in line for line in ours)


def test_send_card_to_legacy_webhook() -> None:
    url = "https://acme.webhook.office.com/webhookb2/g1@t1/IncomingWebhook/h1/g2/k1"

    def handler(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == url
        card = _attachment(request)
        assert card["body"] == [{"type": "TextBlock", "text": "custom"}]
        return httpx.Response(200, text="1")

    result = run_action(
        teams.app,
        "send_card",
        {"card": {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "custom"}]}},
        {"webhook_url": url},
        FakeTransport(handler),
    )
    assert result == {"delivered": True, "status": 200}


def test_send_card_rejects_other_payloads() -> None:
    transport = FakeTransport()
    with pytest.raises(ParamsInvalid):
        run_action(
            teams.app,
            "send_card",
            {"card": {"type": "MessageCard"}},
            {"webhook_url": WORKFLOW},
            transport,
        )
    assert transport.requests == []


def test_missing_webhook_url_is_a_credential_error() -> None:
    with pytest.raises(ActionError) as caught:
        run_action(teams.app, "send_message", {"text": "x"}, {}, FakeTransport())
    assert caught.value.error_type == "credential"


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (404, False), (429, True), (502, True)]
)
def test_errors(status: int, retryable: bool) -> None:
    transport = FakeTransport(
        lambda request: httpx.Response(
            status, json={"error": {"code": "TriggerInputSchemaMismatch", "message": "bad input"}}
        )
    )
    with pytest.raises(HttpError) as caught:
        run_action(teams.app, "send_message", {"text": "x"}, {"webhook_url": WORKFLOW}, transport)
    assert caught.value.retryable is retryable
    assert "bad input" in str(caught.value)
    assert "S3CR3TSIG" not in str(caught.value)
