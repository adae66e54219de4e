"""Splunk app against a stand-in search head: job creation, polling and results."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from threatflow.apps.builtin import splunk
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError

TOKEN_CREDS = {"url": "https://splunk.example:8089", "token": "eyJraWQiOiJzcGx1bmsifQ.tok"}
BASIC_CREDS = {"url": "https://splunk.example:8089", "username": "admin", "password": "changeme"}
SID = "1718000000.42"
ROWS = [{"_time": "2024-06-10T08:14:02.000+00:00", "src_ip": "203.0.113.7", "count": "12"}]


class SearchHead:
    """Runs each job for ``polls_until_done`` status calls; ``fail`` makes jobs fail."""

    def __init__(self, polls_until_done: int = 0, fail: bool = False) -> None:
        self.polls_until_done = polls_until_done
        self.fail = fail
        self.status_calls = 0
        self.transport = FakeTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers["authorization"]
        assert auth in (
            f"Bearer {TOKEN_CREDS['token']}",
            "Basic " + base64.b64encode(b"admin:changeme").decode(),
        )
        path = request.url.path
        if path == "/services/server/info":
            assert request.url.params["output_mode"] == "json"
            content = {"serverName": "sh1", "version": "9.2.1"}
            return httpx.Response(
                200, json={"entry": [{"name": "server-info", "content": content}]}
            )
        if path == "/services/search/jobs" and request.method == "POST":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            assert form["output_mode"] == "json" and form["exec_mode"] == "normal"
            assert form["search"].startswith(("search ", "|"))
            return httpx.Response(201, json={"sid": SID})
        if path == f"/services/search/jobs/{SID}":
            assert request.url.params["output_mode"] == "json"
            self.status_calls += 1
            return httpx.Response(200, json=self.status())
        if path == f"/services/search/jobs/{SID}/results":
            assert request.url.params["output_mode"] == "json"
            fields = [{"name": "_time"}, {"name": "src_ip"}, {"name": "count"}]
            return httpx.Response(
                200, json={"preview": False, "init_offset": 0, "fields": fields, "results": ROWS}
            )
        return httpx.Response(404, json={"messages": [{"type": "ERROR", "text": "Unknown sid."}]})

    def status(self) -> dict[str, Any]:
        done = self.status_calls > self.polls_until_done
        content = {
            "sid": SID,
            "isDone": done and not self.fail,
            "isFailed": self.fail,
            "dispatchState": "FAILED" if self.fail else "DONE" if done else "RUNNING",
            "doneProgress": 1.0 if done else 0.4,
            "resultCount": len(ROWS) if done else 0,
            "eventCount": 12,
            "messages": {"error": ["Error in 'search' command: unknown field"]}
            if self.fail
            else {},
        }
        return {
            "entry": [{"name": "search index=main", "content": content}],
            "paging": {"total": 1},
        }

    def run(self, action: str, params: dict[str, Any], creds: dict[str, str] = TOKEN_CREDS) -> Any:
        return run_action(splunk.app, action, params, creds, self.transport)


def test_test_connection_with_basic_auth() -> None:
    head = SearchHead()
    assert head.run("test_connection", {}, BASIC_CREDS) == {
        "ok": True,
        "server": "sh1",
        "version": "9.2.1",
    }


def test_create_search_job_prefixes_search() -> None:
    head = SearchHead()
    result = head.run(
        "create_search_job", {"query": 'index=main src_ip="203.0.113.7"', "earliest_time": "-7d"}
    )
    form = parse_qs(head.transport.requests[0].content.decode())
    assert result == {"sid": SID}
    assert form["search"] == ['search index=main src_ip="203.0.113.7"']
    assert form["earliest_time"] == ["-7d"] and form["latest_time"] == ["now"]


def test_pipeline_queries_are_left_alone() -> None:
    head = SearchHead()
    head.run("create_search_job", {"query": "| tstats count where index=main by host"})
    assert parse_qs(head.transport.requests[0].content.decode())["search"] == [
        "| tstats count where index=main by host"
    ]


def test_job_status_and_results() -> None:
    head = SearchHead()
    status = head.run("get_job_status", {"sid": SID})
    results = head.run("get_job_results", {"sid": SID, "count": 50})
    assert status["is_done"] and status["dispatch_state"] == "DONE" and status["result_count"] == 1
    assert results["fields"] == ["_time", "src_ip", "count"] and results["results"] == ROWS
    assert head.transport.requests[-1].url.params["count"] == "50"


def test_search_polls_until_done() -> None:
    head = SearchHead(polls_until_done=2)
    result = head.run("search", {"query": "index=main", "poll_interval": 0})
    assert head.status_calls == 3 and result["count"] == 1
    methods = [f"{r.method} {r.url.path}" for r in head.transport.requests]
    assert methods[0] == "POST /services/search/jobs" and methods[-1].endswith("/results")


def test_search_gives_up_after_max_wait() -> None:
    head = SearchHead(polls_until_done=10**6)
    with pytest.raises(ActionError) as caught:
        head.run("search", {"query": "index=main", "max_wait": 0.05, "poll_interval": 0.01})
    assert caught.value.error_type == "timeout" and caught.value.retryable
    assert caught.value.details == {"sid": SID}


def test_failed_job_is_a_vendor_error() -> None:
    head = SearchHead(fail=True)
    with pytest.raises(ActionError) as caught:
        head.run("search", {"query": "index=main | bad", "poll_interval": 0})
    assert caught.value.error_type == "vendor" and not caught.value.retryable
    assert "unknown field" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (404, False), (429, True), (503, True)]
)
def test_vendor_errors(status: int, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, json={"messages": [{"type": "WARN", "text": "call not properly authenticated"}]}
        )

    with pytest.raises(HttpError) as caught:
        run_action(splunk.app, "get_job_status", {"sid": SID}, TOKEN_CREDS, FakeTransport(refuse))
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "call not properly authenticated" in str(caught.value)
