"""Elasticsearch / OpenSearch app against a stand-in checking paths, auth and bodies."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import elasticsearch
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import HttpError

API_KEY = base64.b64encode(b"VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw").decode()
KEY_CREDS = {"url": "https://es.example:9200", "api_key": API_KEY}
BASIC_CREDS = {"url": "https://search.example:9200/", "username": "soar", "password": "pw"}
HIT = {
    "_index": ".ds-logs-2024.06.10",
    "_id": "a1b2c3",
    "_score": 4.2,
    "_source": {"@timestamp": "2024-06-10T08:14:02Z", "source": {"ip": "203.0.113.7"}},
}


def index_missing(index: str) -> httpx.Response:
    error = {
        "root_cause": [{"type": "index_not_found_exception", "reason": f"no such index [{index}]"}],
        "type": "index_not_found_exception",
        "reason": f"no such index [{index}]",
        "index": index,
    }
    return httpx.Response(404, json={"error": error, "status": 404})


def es(request: httpx.Request) -> httpx.Response:
    auth = request.headers.get("authorization", "")
    assert auth in (f"ApiKey {API_KEY}", "Basic " + base64.b64encode(b"soar:pw").decode())
    parts = request.url.path.strip("/").split("/")
    if parts == [""]:
        version = {"number": "8.14.1", "build_flavor": "default"}
        return httpx.Response(200, json={"cluster_name": "soc", "version": version})
    if parts[0] == "missing-index":
        return index_missing(parts[0])
    if parts[1:] == ["_search"] and request.method == "POST":
        body = json.loads(request.content)
        assert isinstance(body["query"], dict) and isinstance(body["size"], int)
        hits = {"total": {"value": 1, "relation": "eq"}, "max_score": 4.2, "hits": [HIT]}
        return httpx.Response(200, json={"took": 3, "timed_out": False, "hits": hits})
    if parts[1] == "_doc" and request.method in ("PUT", "POST"):
        assert isinstance(json.loads(request.content), dict)
        assert request.url.params["refresh"] in ("true", "false", "wait_for")
        doc_id = parts[2] if len(parts) > 2 else "generated-id"
        answer = {"_index": parts[0], "_id": doc_id, "_version": 1, "result": "created"}
        return httpx.Response(201, json=answer)
    if parts[1] == "_doc" and request.method == "GET":
        if parts[2] == "nope":
            return httpx.Response(404, json={"_index": parts[0], "_id": "nope", "found": False})
        return httpx.Response(200, json={**HIT, "_version": 1, "found": True})
    raise AssertionError(f"unexpected {request.method} {request.url.path}")


def run(
    action: str, params: dict[str, Any], creds: dict[str, str] = KEY_CREDS
) -> tuple[Any, FakeTransport]:
    transport = FakeTransport(es)
    return run_action(elasticsearch.app, action, params, creds, transport), transport


def test_test_connection_with_api_key() -> None:
    result, transport = run("test_connection", {})
    assert result == {
        "ok": True,
        "cluster": "soc",
        "version": "8.14.1",
        "distribution": "elasticsearch",
    }
    assert transport.requests[0].headers["authorization"] == f"ApiKey {API_KEY}"


def test_search_sends_query_dsl() -> None:
    query = {"bool": {"filter": [{"term": {"source.ip": "203.0.113.7"}}]}}
    result, transport = run(
        "search",
        {
            "index": "logs-*",
            "query": query,
            "size": 5,
            "sort": [{"@timestamp": "desc"}],
            "source": ["source.ip"],
        },
    )
    assert transport.requests[0].url.raw_path == b"/logs-*/_search"
    assert transport.json() == {
        "query": query,
        "size": 5,
        "from": 0,
        "sort": [{"@timestamp": "desc"}],
        "_source": ["source.ip"],
    }
    assert result["total"] == 1 and result["hits"][0]["_id"] == "a1b2c3" and result["took_ms"] == 3


def test_search_defaults_to_match_all_with_basic_auth() -> None:
    _, transport = run("search", {"index": "alerts"}, BASIC_CREDS)
    assert transport.json()["query"] == {"match_all": {}}
    assert str(transport.requests[0].url) == "https://search.example:9200/alerts/_search"


def test_index_document_with_and_without_id() -> None:
    doc = {"@timestamp": "2024-06-10T08:14:02Z", "event": {"action": "blocked"}}
    with_id, transport = run(
        "index_document",
        {"index": "soar-audit", "document": doc, "id": "run-1", "refresh": "wait_for"},
    )
    assert (
        transport.requests[0].method == "PUT"
        and transport.requests[0].url.path == "/soar-audit/_doc/run-1"
    )
    assert transport.json() == doc and with_id["result"] == "created"

    generated, transport = run("index_document", {"index": "soar-audit", "document": doc})
    assert (
        transport.requests[0].method == "POST"
        and transport.requests[0].url.path == "/soar-audit/_doc"
    )
    assert transport.requests[0].url.params["refresh"] == "false"
    assert generated["_id"] == "generated-id"


def test_get_document_found_and_missing() -> None:
    found, _ = run("get_document", {"index": "logs", "id": "a1b2c3"})
    missing, _ = run("get_document", {"index": "logs", "id": "nope"})
    assert found["found"] is True and found["_source"]["source"]["ip"] == "203.0.113.7"
    assert missing == {"found": False, "_index": "logs", "_id": "nope"}


def test_missing_index_is_an_error_with_the_reason() -> None:
    with pytest.raises(HttpError) as caught:
        run("get_document", {"index": "missing-index", "id": "1"})
    assert caught.value.status == 404 and not caught.value.retryable
    assert "index_not_found_exception: no such index [missing-index]" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (401, "security_exception", False),
        (400, "parsing_exception", False),
        (429, "es_rejected_execution_exception", True),
        (503, "cluster_block_exception", True),
    ],
)
def test_vendor_errors(status: int, kind: str, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        error = {"type": kind, "reason": "refused for the test"}
        return httpx.Response(status, json={"error": error, "status": status})

    with pytest.raises(HttpError) as caught:
        run_action(elasticsearch.app, "search", {"index": "logs"}, KEY_CREDS, FakeTransport(refuse))
    assert caught.value.status == status and caught.value.retryable is retryable
    assert f"{kind}: refused for the test" in str(caught.value)


def test_error_page_that_is_not_json() -> None:
    def gateway(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad Gateway</html>")

    with pytest.raises(HttpError) as caught:
        run_action(
            elasticsearch.app, "search", {"index": "logs"}, KEY_CREDS, FakeTransport(gateway)
        )
    assert caught.value.status == 502 and caught.value.retryable
