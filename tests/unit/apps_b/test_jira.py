"""Jira app against a stand-in that checks requests against the Jira REST documentation."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import jira
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

CLOUD = {
    "base_url": "https://acme.atlassian.net/",
    "email": "soc@acme.test",
    "api_token": "tok123",
}
SERVER = {"base_url": "https://jira.acme.test", "deployment": "server", "api_token": "pat-9"}

BASIC = "Basic " + base64.b64encode(b"soc@acme.test:tok123").decode()


def _body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def test_create_issue_cloud_sends_adf_and_basic_auth() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert request.url.path == "/rest/api/3/issue"
        assert request.headers["Authorization"] == BASIC
        fields = _body(request)["fields"]
        assert fields["project"] == {"key": "SEC"}
        assert fields["issuetype"] == {"name": "Incident"}
        assert fields["summary"] == "Brute force on sshd"
        assert fields["labels"] == ["wazuh"]
        assert fields["customfield_10010"] == "x"
        doc = fields["description"]
        assert doc["type"] == "doc" and doc["version"] == 1
        first, second = doc["content"]
        assert first["content"] == [
            {"type": "text", "text": "line one"},
            {"type": "hardBreak"},
            {"type": "text", "text": "line two"},
        ]
        assert second["content"] == [{"type": "text", "text": "para two"}]
        return httpx.Response(
            201, json={"id": "10000", "key": "SEC-24", "self": "https://acme/rest/api/3/issue/1"}
        )

    result = run_action(
        jira.app,
        "create_issue",
        {
            "project_key": "SEC",
            "summary": "Brute force on sshd",
            "description": "line one\nline two\n\npara two",
            "issue_type": "Incident",
            "labels": ["wazuh"],
            "fields": {"customfield_10010": "x"},
        },
        CLOUD,
        FakeTransport(handler),
    )
    assert result == {
        "id": "10000",
        "key": "SEC-24",
        "url": "https://acme.atlassian.net/browse/SEC-24",
    }


def test_create_issue_server_uses_v2_plain_text_and_bearer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/rest/api/2/issue"
        assert request.headers["Authorization"] == "Bearer pat-9"
        assert _body(request)["fields"]["description"] == "plain"
        return httpx.Response(201, json={"id": "1", "key": "OPS-1", "self": "x"})

    result = run_action(
        jira.app,
        "create_issue",
        {"project_key": "OPS", "summary": "s", "description": "plain"},
        SERVER,
        FakeTransport(handler),
    )
    assert result["key"] == "OPS-1"


def test_add_comment() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/rest/api/3/issue/SEC-24/comment")
        assert _body(request)["body"]["content"][0]["content"][0]["text"] == "contained"
        return httpx.Response(201, json={"id": "10100", "created": "2024-05-01T10:00:00.000+0000"})

    result = run_action(
        jira.app,
        "add_comment",
        {"issue_key": "SEC-24", "body": "contained"},
        CLOUD,
        FakeTransport(handler),
    )
    assert result["id"] == "10100"


def test_issue_key_is_validated_before_any_request() -> None:
    transport = FakeTransport()
    with pytest.raises(ParamsInvalid):
        run_action(
            jira.app, "add_comment", {"issue_key": "../../admin", "body": "x"}, CLOUD, transport
        )
    assert transport.requests == []


TRANSITIONS = {
    "transitions": [
        {"id": "11", "name": "Start", "to": {"name": "In Progress"}},
        {"id": "31", "name": "Resolve", "to": {"name": "Done"}},
    ]
}


def test_transition_by_target_status_name() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/rest/api/2/issue/OPS-7/transitions"
        if request.method == "GET":
            return httpx.Response(200, json=TRANSITIONS)
        body = _body(request)
        assert body["transition"] == {"id": "31"}
        assert body["update"]["comment"][0]["add"]["body"] == "fixed"
        return httpx.Response(204)

    result = run_action(
        jira.app,
        "transition_issue",
        {"issue_key": "OPS-7", "transition": "done", "comment": "fixed"},
        SERVER,
        FakeTransport(handler),
    )
    assert result == {
        "issue_key": "OPS-7",
        "transition_id": "31",
        "transition": "Resolve",
        "status": "Done",
    }


def test_unknown_transition_lists_the_available_ones() -> None:
    transport = FakeTransport(lambda request: httpx.Response(200, json=TRANSITIONS))
    with pytest.raises(ActionError) as caught:
        run_action(
            jira.app,
            "transition_issue",
            {"issue_key": "OPS-7", "transition": "Reopen"},
            SERVER,
            transport,
        )
    assert caught.value.error_type == "vendor" and not caught.value.retryable
    assert "Start (11)" in str(caught.value)
    assert len(transport.requests) == 1


def test_search_cloud_uses_enhanced_search_with_page_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("GET", "/rest/api/3/search/jql")
        assert request.url.params["jql"] == "project = SEC AND status = Open"
        assert request.url.params["maxResults"] == "10"
        assert request.url.params["nextPageToken"] == "abc"
        assert request.url.params["fields"] == "summary,status"
        return httpx.Response(
            200,
            json={
                "issues": [{"id": "1", "key": "SEC-1", "fields": {"summary": "a"}}],
                "nextPageToken": "def",
                "isLast": False,
            },
        )

    result = run_action(
        jira.app,
        "search_issues",
        {
            "jql": "project = SEC AND status = Open",
            "max_results": 10,
            "fields": ["summary", "status"],
            "next_page_token": "abc",
        },
        CLOUD,
        FakeTransport(handler),
    )
    assert result == {
        "issues": [{"id": "1", "key": "SEC-1", "fields": {"summary": "a"}}],
        "next_page_token": "def",
    }


def test_search_server_pages_with_start_at() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/rest/api/2/search"
        assert request.url.params["startAt"] == "0"
        issues = [{"id": str(n), "key": f"OPS-{n}", "fields": {}} for n in range(2)]
        return httpx.Response(
            200, json={"startAt": 0, "maxResults": 2, "total": 5, "issues": issues}
        )

    result = run_action(
        jira.app,
        "search_issues",
        {"jql": "project = OPS", "max_results": 2},
        SERVER,
        FakeTransport(handler),
    )
    assert result["next_page_token"] == "2"
    assert [i["key"] for i in result["issues"]] == ["OPS-0", "OPS-1"]


def test_test_connection_reads_myself() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/rest/api/3/myself"
        return httpx.Response(200, json={"accountId": "5b10", "displayName": "SOC Bot"})

    assert run_action(jira.app, "test_connection", {}, CLOUD, FakeTransport(handler)) == {
        "ok": True,
        "user": "SOC Bot",
    }


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (404, False), (429, True), (503, True)]
)
def test_errors_carry_vendor_message_and_retry_flag(status: int, retryable: bool) -> None:
    body = {
        "errorMessages": ["Issue does not exist or you do not have permission to see it."],
        "errors": {},
    }
    transport = FakeTransport(lambda request: httpx.Response(status, json=body))
    with pytest.raises(HttpError) as caught:
        run_action(jira.app, "add_comment", {"issue_key": "SEC-9", "body": "x"}, CLOUD, transport)
    assert caught.value.status == status
    assert caught.value.retryable is retryable
    assert "Issue does not exist" in str(caught.value)
