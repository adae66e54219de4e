"""The ``thehive`` app against the TheHive 5 stand-in, over real HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin.thehive import app
from threatflow.apps.testing import run_action_async
from threatflow.errors import ActionError, HttpError, ParamsInvalid
from threatflow.standins import Reply, TheHiveStandIn, thehive_standin

pytestmark = pytest.mark.integration

ALERT = {
    "title": "sshd: brute force from 222.186.30.76",
    "description": "Wazuh rule 5712 fired 8 times",
    "type": "wazuh",
    "source": "threatflow",
    "sourceRef": "1587081881.16101",
    "severity": 3,
    "tags": ["ssh", "wazuh:5712"],
    "observables": [
        {"dataType": "ip", "data": "222.186.30.76", "tags": ["src"], "message": "attacker"}
    ],
}


def run(standin: TheHiveStandIn, action: str, params: dict[str, Any], **credentials: str) -> Any:
    merged = {**standin.credentials, **credentials}
    transport = httpx.AsyncHTTPTransport()
    return asyncio.run(run_action_async(app, action, params, merged, transport))


def test_create_alert_sends_theHive_v1_request_and_returns_the_alert(
    thehive_standin: TheHiveStandIn,
) -> None:
    alert = run(thehive_standin, "create_alert", {**ALERT, "date": "2020-04-17T00:04:41+00:00"})

    assert alert["_id"].startswith("~") and alert["_type"] == "Alert"
    assert (alert["status"], alert["severity"], alert["duplicate"]) == ("New", 3, False)
    assert alert["observableCount"] == 1
    [sent] = thehive_standin.requests
    assert (sent["method"], sent["path"], sent["status"]) == ("POST", "/api/v1/alert", 201)
    assert sent["headers"]["Authorization"] == "Bearer test-key"
    assert sent["headers"]["X-Organisation"] == "demo"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["body"] == {**ALERT, "tlp": 2, "pap": 2, "date": 1587081881000}


def test_create_alert_again_returns_the_existing_alert_marked_duplicate(
    thehive_standin: TheHiveStandIn,
) -> None:
    first = run(thehive_standin, "create_alert", ALERT)
    retried = run(thehive_standin, "create_alert", ALERT)

    assert retried["duplicate"] is True
    assert retried["_id"] == first["_id"]
    assert len(thehive_standin.service.alerts) == 1
    _, refused, query = thehive_standin.requests
    assert (refused["status"], refused["path"]) == (400, "/api/v1/alert")
    assert (query["method"], query["path"], query["query"]) == (
        "POST",
        "/api/v1/query",
        {"name": "alerts"},
    )
    steps = query["body"]["query"]
    assert steps[0] == {"_name": "listAlert"}
    assert {"_eq": {"_field": "sourceRef", "_value": ALERT["sourceRef"]}} in steps[1]["_and"]


def test_a_different_source_ref_makes_a_new_alert(thehive_standin: TheHiveStandIn) -> None:
    first = run(thehive_standin, "create_alert", ALERT)
    second = run(thehive_standin, "create_alert", {**ALERT, "sourceRef": "other"})
    assert second["_id"] != first["_id"] and second["duplicate"] is False


def test_wrong_api_key_is_a_final_401(thehive_standin: TheHiveStandIn) -> None:
    with pytest.raises(HttpError) as caught:
        run(thehive_standin, "create_alert", ALERT, api_key="wrong")
    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert "Authentication failure" in str(caught.value)
    assert thehive_standin.requests[0]["headers"]["Authorization"] == "Bearer wrong"


def test_unknown_organisation_is_refused(thehive_standin: TheHiveStandIn) -> None:
    with pytest.raises(HttpError) as caught:
        run(thehive_standin, "test_connection", {}, organisation="elsewhere")
    assert caught.value.status == 403


def test_parameters_are_checked_before_any_request(thehive_standin: TheHiveStandIn) -> None:
    with pytest.raises(ParamsInvalid) as caught:
        run(thehive_standin, "create_alert", {**ALERT, "severity": 5, "tlp": 9})
    assert {p.path for p in caught.value.problems} == {"params.severity", "params.tlp"}
    with pytest.raises(ParamsInvalid):
        run(thehive_standin, "create_alert", {**ALERT, "observables": [{"data": "x"}]})
    assert thehive_standin.requests == []


def test_standin_rejects_what_theHive_rejects(thehive_standin: TheHiveStandIn) -> None:
    headers = {"Authorization": "Bearer test-key"}
    url = thehive_standin.url + "/api/v1/alert"
    bad = {"type": "t", "source": "s", "title": 7, "severity": 0, "extra": 1}
    answer = httpx.post(url, json=bad, headers=headers)

    assert answer.status_code == 400
    body = answer.json()
    assert body["type"] == "AttributeCheckingError"
    names = {(e["name"], e["type"]) for e in body["errors"]}
    assert ("alert.sourceRef", "MissingAttributeError") in names
    assert ("alert.description", "MissingAttributeError") in names
    assert ("alert.title", "InvalidFormatAttributeError") in names
    assert ("alert.severity", "InvalidFormatAttributeError") in names
    assert ("alert.extra", "InvalidFormatAttributeError") in names
    assert httpx.get(thehive_standin.url + "/api/v1/nothing", headers=headers).status_code == 404


def test_vendor_validation_errors_are_final(thehive_standin: TheHiveStandIn) -> None:
    case = run(thehive_standin, "create_case", {"title": "c", "description": "d"})
    params = {"target_id": case["_id"], "dataType": "not-a-type", "data": "x"}
    with pytest.raises(HttpError) as caught:
        run(thehive_standin, "add_observable", params)
    assert (caught.value.status, caught.value.retryable) == (400, False)


def test_server_errors_are_retryable(thehive_standin: TheHiveStandIn) -> None:
    thehive_standin.fail_next(Reply.json(503, {"type": "InternalError", "message": "busy"}))
    with pytest.raises(HttpError) as caught:
        run(thehive_standin, "get_case", {"case_id": "1"})
    assert (caught.value.status, caught.value.retryable) == (503, True)


def test_unreachable_theHive_is_a_retryable_connection_error() -> None:
    with thehive_standin(api_key="k") as standin:
        credentials = standin.credentials
    transport = httpx.AsyncHTTPTransport()
    with pytest.raises(ActionError) as caught:
        asyncio.run(run_action_async(app, "test_connection", {}, credentials, transport))
    assert (caught.value.error_type, caught.value.retryable) == ("connection", True)


def test_case_lifecycle(thehive_standin: TheHiveStandIn) -> None:
    case = run(
        thehive_standin,
        "create_case",
        {
            "title": "Brute force",
            "description": "from Wazuh",
            "severity": 2,
            "tags": ["ssh"],
            "customFields": {"business-unit": "web"},
        },
    )
    case_id = case["_id"]
    assert thehive_standin.requests[0]["body"]["customFields"] == {"business-unit": "web"}
    assert (case["_type"], case["number"], case["status"]) == ("Case", 1, "New")

    observable = run(
        thehive_standin,
        "add_observable",
        {"target_id": case_id, "dataType": "ip", "data": "222.186.30.76", "ioc": True},
    )
    comment = run(thehive_standin, "add_comment", {"case_id": case_id, "message": "Blocked."})
    updated = run(
        thehive_standin,
        "update_case",
        {"case_id": case_id, "status": "InProgress", "addTags": ["blocked"], "severity": 3},
    )
    fetched = run(thehive_standin, "get_case", {"case_id": "1"})

    assert observable[0]["data"] == "222.186.30.76" and observable[0]["ioc"] is True
    assert comment["message"] == "Blocked."
    assert (updated["status"], updated["severity"], updated["tags"]) == (
        "InProgress",
        3,
        ["ssh", "blocked"],
    )
    assert fetched["_id"] == case_id
    calls = [(r["method"], r["path"]) for r in thehive_standin.requests]
    assert calls == [
        ("POST", "/api/v1/case"),
        ("POST", f"/api/v1/case/{case_id}/observable"),
        ("POST", f"/api/v1/case/{case_id}/comment"),
        ("PATCH", f"/api/v1/case/{case_id}"),
        ("GET", f"/api/v1/case/{case_id}"),
        ("GET", "/api/v1/case/1"),
    ]
    patch = thehive_standin.requests[3]
    assert patch["body"] == {"status": "InProgress", "addTags": ["blocked"], "severity": 3}
    assert patch["status"] == 204


def test_update_case_needs_a_change(thehive_standin: TheHiveStandIn) -> None:
    with pytest.raises(ParamsInvalid):
        run(thehive_standin, "update_case", {"case_id": "~1"})


def test_get_missing_case_is_a_final_404(thehive_standin: TheHiveStandIn) -> None:
    with pytest.raises(HttpError) as caught:
        run(thehive_standin, "get_case", {"case_id": "~999"})
    assert (caught.value.status, caught.value.retryable) == (404, False)


def test_promote_alert_to_case_and_observable_on_alert(thehive_standin: TheHiveStandIn) -> None:
    alert = run(thehive_standin, "create_alert", ALERT)
    run(
        thehive_standin,
        "add_observable",
        {"target": "alert", "target_id": alert["_id"], "dataType": "domain", "data": "evil.com"},
    )
    case = run(thehive_standin, "promote_alert_to_case", {"alert_id": alert["_id"]})

    assert case["_type"] == "Case" and case["title"] == ALERT["title"]
    stored = thehive_standin.service.alerts[alert["_id"]]
    assert (stored["status"], stored["caseId"]) == ("Imported", case["_id"])
    assert {o["data"] for o in thehive_standin.service.observables[case["_id"]]} == {
        "222.186.30.76",
        "evil.com",
    }
    promote = thehive_standin.requests[-1]
    assert (promote["path"], promote["body"]) == (f"/api/v1/alert/{alert['_id']}/case", {})


def test_test_connection_reads_the_current_user(thehive_standin: TheHiveStandIn) -> None:
    result = run(thehive_standin, "test_connection", {})
    assert result["ok"] is True
    assert result["user"]["login"] == "demo@thehive.local"
    assert thehive_standin.requests[0]["path"] == "/api/v1/user/current"


def test_unverified_tls_setting_uses_its_own_client(thehive_standin: TheHiveStandIn) -> None:
    result = run(thehive_standin, "test_connection", {}, verify_tls="false")
    assert result["ok"] is True


def test_records_are_served_as_json_and_can_be_cleared(thehive_standin: TheHiveStandIn) -> None:
    run(thehive_standin, "create_alert", ALERT)
    records = httpx.get(thehive_standin.url + "/_standin/requests").json()
    assert records == thehive_standin.requests
    assert httpx.delete(thehive_standin.url + "/_standin/requests").status_code == 204
    assert thehive_standin.requests == []
