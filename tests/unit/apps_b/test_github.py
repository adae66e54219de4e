"""GitHub issues app against a stand-in that checks the documented REST contract."""

from __future__ import annotations

import json

import httpx
import pytest

from threatflow.apps.builtin import github
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import HttpError, ParamsInvalid

CREDS = {"token": "ghp_secret"}


def _check_headers(request: httpx.Request) -> None:
    assert request.headers["Authorization"] == "Bearer ghp_secret"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


ISSUE = {
    "id": 1,
    "number": 42,
    "title": "Phishing wave",
    "state": "open",
    "state_reason": None,
    "html_url": "https://github.com/acme/soc/issues/42",
}


def test_create_issue() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check_headers(request)
        assert request.url.host == "api.github.com"
        assert (request.method, request.url.path) == ("POST", "/repos/acme/soc/issues")
        assert json.loads(request.content) == {
            "title": "Phishing wave",
            "body": "details",
            "labels": ["incident"],
        }
        return httpx.Response(201, json=ISSUE)

    result = run_action(
        github.app,
        "create_issue",
        {
            "repository": "acme/soc",
            "title": "Phishing wave",
            "body": "details",
            "labels": ["incident"],
        },
        CREDS,
        FakeTransport(handler),
    )
    assert result["number"] == 42 and result["url"].endswith("/issues/42")


def test_enterprise_base_url_and_repository_validation() -> None:
    transport = FakeTransport(lambda request: httpx.Response(201, json=ISSUE))
    creds = {**CREDS, "base_url": "https://ghe.acme.test/api/v3/"}
    run_action(
        github.app, "create_issue", {"repository": "acme/soc", "title": "t"}, creds, transport
    )
    assert str(transport.requests[0].url) == "https://ghe.acme.test/api/v3/repos/acme/soc/issues"
    with pytest.raises(ParamsInvalid):
        run_action(
            github.app,
            "create_issue",
            {"repository": "acme/soc/../x", "title": "t"},
            creds,
            transport,
        )
    assert len(transport.requests) == 1


def test_add_comment() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check_headers(request)
        assert request.url.path == "/repos/acme/soc/issues/42/comments"
        assert json.loads(request.content) == {"body": "blocked at the firewall"}
        return httpx.Response(201, json={"id": 7, "html_url": "https://github.com/c/7"})

    result = run_action(
        github.app,
        "add_comment",
        {"repository": "acme/soc", "issue_number": 42, "body": "blocked at the firewall"},
        CREDS,
        FakeTransport(handler),
    )
    assert result == {"id": 7, "url": "https://github.com/c/7"}


def test_close_issue_comments_then_patches_state() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check_headers(request)
        if request.method == "POST":
            assert request.url.path == "/repos/acme/soc/issues/42/comments"
            return httpx.Response(201, json={"id": 8})
        assert (request.method, request.url.path) == ("PATCH", "/repos/acme/soc/issues/42")
        assert json.loads(request.content) == {"state": "closed", "state_reason": "not_planned"}
        return httpx.Response(200, json={**ISSUE, "state": "closed", "state_reason": "not_planned"})

    transport = FakeTransport(handler)
    result = run_action(
        github.app,
        "close_issue",
        {
            "repository": "acme/soc",
            "issue_number": 42,
            "reason": "not_planned",
            "comment": "false positive",
        },
        CREDS,
        transport,
    )
    assert [r.method for r in transport.requests] == ["POST", "PATCH"]
    assert result["state"] == "closed" and result["state_reason"] == "not_planned"


def test_search_issues_builds_qualifiers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check_headers(request)
        assert request.url.path == "/search/issues"
        assert request.url.params["q"] == "1.2.3.4 is:issue repo:acme/soc state:open"
        assert request.url.params["per_page"] == "5"
        return httpx.Response(
            200, json={"total_count": 1, "incomplete_results": False, "items": [ISSUE]}
        )

    result = run_action(
        github.app,
        "search_issues",
        {"query": "1.2.3.4", "repository": "acme/soc", "state": "open", "per_page": 5},
        CREDS,
        FakeTransport(handler),
    )
    assert result["total_count"] == 1 and result["items"][0]["number"] == 42


def test_test_connection() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check_headers(request)
        assert request.url.path == "/rate_limit"
        return httpx.Response(
            200, json={"resources": {"core": {"limit": 5000, "remaining": 4999}}, "rate": {}}
        )

    assert run_action(github.app, "test_connection", {}, CREDS, FakeTransport(handler)) == {
        "ok": True,
        "remaining": 4999,
        "limit": 5000,
    }


@pytest.mark.parametrize(
    ("status", "headers", "retryable"),
    [
        (401, {}, False),
        (404, {}, False),
        (403, {}, False),
        (403, {"x-ratelimit-remaining": "0"}, True),
        (403, {"retry-after": "60"}, True),
        (429, {}, True),
        (502, {}, True),
    ],
)
def test_errors(status: int, headers: dict[str, str], retryable: bool) -> None:
    body = {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
    transport = FakeTransport(lambda request: httpx.Response(status, json=body, headers=headers))
    with pytest.raises(HttpError) as caught:
        run_action(github.app, "test_connection", {}, CREDS, transport)
    assert caught.value.status == status
    assert caught.value.retryable is retryable
    assert "Bad credentials" in str(caught.value)
