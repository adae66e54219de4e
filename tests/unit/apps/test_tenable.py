"""Tenable app against a stand-in checking X-ApiKeys and the workbench filter encoding."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import tenable
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import HttpError

CREDS = {"access_key": "a" * 64, "secret_key": "s" * 64}
VULNS = [
    {
        "plugin_id": 51192,
        "plugin_name": "SSL Certificate Cannot Be Trusted",
        "severity": 2,
        "count": 3,
        "vulnerability_state": "Active",
    },
    {
        "plugin_id": 156032,
        "plugin_name": "Apache Log4Shell RCE",
        "severity": 4,
        "count": 1,
        "vulnerability_state": "Active",
    },
    {
        "plugin_id": 19506,
        "plugin_name": "Nessus Scan Information",
        "severity": 0,
        "count": 1,
        "vulnerability_state": "Active",
    },
]


def filters(params: httpx.QueryParams) -> list[tuple[str, ...]]:
    found = []
    index = 0
    while f"filter.{index}.filter" in params:
        found.append(
            tuple(params[f"filter.{index}.{part}"] for part in ("filter", "quality", "value"))
        )
        index += 1
    return found


def tio(request: httpx.Request) -> httpx.Response:
    assert request.headers["x-apikeys"] == f"accessKey={'a' * 64};secretKey={'s' * 64}"
    assert request.method == "GET"
    path, params = request.url.path, request.url.params
    if path == "/session":
        return httpx.Response(200, json={"id": 7, "username": "soar@corp.example", "name": "SOAR"})
    if path == "/workbenches/vulnerabilities":
        assert params["filter.search_type"] == "and" and 1 <= int(params["date_range"]) <= 365
        wanted = filters(params)
        assert wanted and all(quality == "eq" for _, quality, _ in wanted)
        names = {"Info": 0, "Low": 1, "Medium": 2, "High": 3, "Critical": 4}
        chosen = VULNS
        for name, _, value in wanted:
            assert name in ("host.target", "severity")
            if name == "severity":
                chosen = [v for v in chosen if v["severity"] == names[value]]
        body = {
            "vulnerabilities": chosen,
            "total_vulnerability_count": len(chosen),
            "total_asset_count": 4,
        }
        return httpx.Response(200, json=body)
    if path == "/scans":
        scans = [
            {
                "id": 12,
                "uuid": "u-12",
                "name": "Weekly DMZ",
                "status": "completed",
                "last_modification_date": 1718000000,
                "owner": "x",
            }
        ]
        return httpx.Response(200, json={"folders": [], "scans": scans, "timestamp": 1718000001})
    if path == "/scans/12":
        info = {
            "name": "Weekly DMZ",
            "status": "completed",
            "targets": "10.20.0.0/24",
            "scan_start": 1717990000,
            "scan_end": 1718000000,
        }
        hosts = [
            {
                "host_id": 2,
                "hostname": "10.20.0.5",
                "critical": 1,
                "high": 0,
                "medium": 3,
                "low": 0,
                "info": 12,
            }
        ]
        return httpx.Response(
            200, json={"info": info, "hosts": hosts, "vulnerabilities": VULNS[:2], "history": []}
        )
    return httpx.Response(
        404,
        json={
            "statusCode": 404,
            "error": "Not Found",
            "message": "The requested file was not found.",
        },
    )


def run(action: str, params: dict[str, Any]) -> tuple[Any, FakeTransport]:
    transport = FakeTransport(tio)
    return run_action(tenable.app, action, params, CREDS, transport), transport


def test_test_connection() -> None:
    result, _ = run("test_connection", {})
    assert result == {"ok": True, "username": "soar@corp.example", "name": "SOAR"}


def test_vulnerabilities_by_host() -> None:
    result, transport = run("vulnerabilities_by_host", {"host": "10.20.0.5"})
    assert filters(transport.requests[0].url.params) == [("host.target", "eq", "10.20.0.5")]
    assert transport.requests[0].url.params["date_range"] == "30"
    assert result["total"] == 3
    assert result["by_severity"] == {"info": 1, "low": 0, "medium": 1, "high": 0, "critical": 1}


def test_vulnerabilities_by_host_and_severity() -> None:
    result, transport = run(
        "vulnerabilities_by_host", {"host": "web01", "severity": "critical", "date_range": 7}
    )
    assert filters(transport.requests[0].url.params) == [
        ("host.target", "eq", "web01"),
        ("severity", "eq", "Critical"),
    ]
    assert [v["plugin_id"] for v in result["vulnerabilities"]] == [156032]


def test_vulnerabilities_by_severity() -> None:
    result, transport = run("vulnerabilities_by_severity", {"severity": "medium"})
    assert filters(transport.requests[0].url.params) == [("severity", "eq", "Medium")]
    assert result["severity"] == "medium" and result["total"] == 1


def test_list_scans_and_report() -> None:
    scans, _ = run("list_scans", {})
    assert scans["scans"] == [
        {
            "id": 12,
            "uuid": "u-12",
            "name": "Weekly DMZ",
            "status": "completed",
            "last_modification_date": 1718000000,
        }
    ]
    report, transport = run("get_scan_report", {"scan_id": "12", "history_id": "99"})
    assert transport.requests[0].url.params["history_id"] == "99"
    assert report["name"] == "Weekly DMZ" and report["hosts"][0]["critical"] == 1
    assert report["by_severity"]["critical"] == 1 and report["total"] == 2


def test_unknown_scan() -> None:
    with pytest.raises(HttpError) as caught:
        run("get_scan_report", {"scan_id": "404"})
    assert caught.value.status == 404 and "requested file was not found" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (403, False), (429, True), (500, True)]
)
def test_vendor_errors(status: int, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, json={"statusCode": status, "error": "Error", "message": "Invalid Credentials"}
        )

    with pytest.raises(HttpError) as caught:
        run_action(tenable.app, "test_connection", {}, CREDS, FakeTransport(refuse))
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "Invalid Credentials" in str(caught.value)
