"""ServiceNow app against a stand-in for the Table API."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import servicenow
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

CREDS = {"base_url": "https://acme.service-now.com", "username": "soar", "password": "pw"}
SYS_ID = "9d385017c611228701d22104cc95c371"
RECORD = {"sys_id": SYS_ID, "number": "INC0010001", "state": "1", "short_description": "x"}


def _check(request: httpx.Request) -> None:
    expected = "Basic " + base64.b64encode(b"soar:pw").decode()
    assert request.headers["Authorization"] == expected
    assert request.headers["Accept"] == "application/json"
    assert request.url.path.startswith("/api/now/table/incident")


def _lookup(request: httpx.Request) -> httpx.Response | None:
    """Answer the number -> sys_id lookup the way the Table API does."""
    if request.method == "GET" and "sysparm_query" in request.url.params:
        assert request.url.params["sysparm_query"] == "number=INC0010001"
        assert request.url.params["sysparm_limit"] == "1"
        return httpx.Response(200, json={"result": [{"sys_id": SYS_ID}]})
    return None


def test_create_incident() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check(request)
        assert (request.method, request.url.path) == ("POST", "/api/now/table/incident")
        assert json.loads(request.content) == {
            "short_description": "Ransomware on host-12",
            "urgency": "1",
            "impact": "2",
            "u_source": "threatflow",
        }
        assert request.url.params["sysparm_exclude_reference_link"] == "true"
        return httpx.Response(201, json={"result": RECORD})

    result = run_action(
        servicenow.app,
        "create_incident",
        {
            "short_description": "Ransomware on host-12",
            "urgency": "1",
            "impact": "2",
            "fields": {"u_source": "threatflow"},
        },
        CREDS,
        FakeTransport(handler),
    )
    assert result["number"] == "INC0010001"
    assert result["url"].endswith(f"sys_id={SYS_ID}")


def test_update_by_number_resolves_sys_id_then_patches() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check(request)
        found = _lookup(request)
        if found is not None:
            return found
        assert (request.method, request.url.path) == ("PATCH", f"/api/now/table/incident/{SYS_ID}")
        assert json.loads(request.content) == {"state": "6", "close_code": "Solved"}
        return httpx.Response(200, json={"result": {**RECORD, "state": "6"}})

    transport = FakeTransport(handler)
    result = run_action(
        servicenow.app,
        "update_incident",
        {"incident": "INC0010001", "fields": {"state": "6", "close_code": "Solved"}},
        CREDS,
        transport,
    )
    assert result["state"] == "6"
    assert [r.method for r in transport.requests] == ["GET", "PATCH"]


@pytest.mark.parametrize("visibility", ["work_notes", "comments"])
def test_add_comment_by_sys_id_needs_no_lookup(visibility: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check(request)
        assert request.method == "PATCH"
        assert json.loads(request.content) == {visibility: "IP blocked on the edge"}
        return httpx.Response(200, json={"result": RECORD})

    transport = FakeTransport(handler)
    run_action(
        servicenow.app,
        "add_comment",
        {"incident": SYS_ID, "text": "IP blocked on the edge", "visibility": visibility},
        CREDS,
        transport,
    )
    assert len(transport.requests) == 1


def test_get_incident_and_unknown_number() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check(request)
        return _lookup(request) or httpx.Response(200, json={"result": RECORD})

    result = run_action(
        servicenow.app, "get_incident", {"incident": "INC0010001"}, CREDS, FakeTransport(handler)
    )
    assert result["sys_id"] == SYS_ID

    empty = FakeTransport(lambda request: httpx.Response(200, json={"result": []}))
    with pytest.raises(ActionError) as caught:
        run_action(servicenow.app, "get_incident", {"incident": "INC0099999"}, CREDS, empty)
    assert caught.value.error_type == "not_found" and not caught.value.retryable


def test_incident_reference_cannot_inject_query() -> None:
    transport = FakeTransport()
    with pytest.raises(ParamsInvalid):
        run_action(
            servicenow.app, "get_incident", {"incident": "INC1^ORactive=true"}, CREDS, transport
        )
    assert transport.requests == []


def test_test_connection() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        _check(request)
        assert request.url.params["sysparm_limit"] == "1"
        return httpx.Response(200, json={"result": [{"sys_id": SYS_ID}]})

    assert run_action(servicenow.app, "test_connection", {}, CREDS, FakeTransport(handler)) == {
        "ok": True,
        "readable": 1,
    }


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (404, False), (429, True), (500, True)]
)
def test_errors(status: int, retryable: bool) -> None:
    body: dict[str, Any] = {
        "error": {
            "message": "User Not Authenticated",
            "detail": "Required to provide Auth information",
        },
        "status": "failure",
    }
    transport = FakeTransport(lambda request: httpx.Response(status, json=body))
    with pytest.raises(HttpError) as caught:
        run_action(servicenow.app, "get_incident", {"incident": SYS_ID}, CREDS, transport)
    assert caught.value.retryable is retryable
    assert "User Not Authenticated" in str(caught.value)
