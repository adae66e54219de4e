"""Defender for Endpoint app against stand-ins for Entra ID and the machine actions API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from threatflow.apps.builtin import defender
from threatflow.apps.builtin._netcommon import tokens
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import HttpError, ParamsInvalid

TENANT = "11111111-2222-3333-4444-555555555555"
CREDS = {"tenant_id": TENANT, "client_id": "app-1", "client_secret": "pw"}
MACHINE = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07"
ACTION_ID = "5382f7ea-7557-4ab7-9782-d50480024a4e"


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    tokens.clear()
    yield
    tokens.clear()


def _machine_action(kind: str) -> dict[str, Any]:
    return {
        "id": ACTION_ID,
        "type": kind,
        "requestor": "app-1",
        "requestorComment": "c",
        "status": "Pending",
        "machineId": MACHINE,
        "computerDnsName": "host-12",
        "creationDateTimeUtc": "2024-05-01T10:00:00Z",
        "lastUpdateDateTimeUtc": "2024-05-01T10:00:00Z",
    }


class FakeDefender:
    def __init__(self) -> None:
        self.bodies: list[tuple[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "login.microsoftonline.com":
            assert request.url.path == f"/{TENANT}/oauth2/v2.0/token"
            form = parse_qs(request.content.decode())
            assert form == {
                "grant_type": ["client_credentials"],
                "client_id": ["app-1"],
                "client_secret": ["pw"],
                "scope": ["https://api.securitycenter.microsoft.com/.default"],
            }
            return httpx.Response(
                200,
                json={
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "ext_expires_in": 3599,
                    "access_token": "eyJ0",
                },
            )
        assert request.url.host == "api.securitycenter.microsoft.com"
        assert request.headers["Authorization"] == "Bearer eyJ0"
        path = request.url.path
        if request.method == "POST":
            self.bodies.append((path, json.loads(request.content)))
            kind = {
                "isolate": "Isolate",
                "unisolate": "Unisolate",
                "runAntiVirusScan": "RunAntiVirusScan",
            }[path.rsplit("/", 1)[1]]
            assert path == f"/api/machines/{MACHINE}/{path.rsplit('/', 1)[1]}"
            return httpx.Response(201, json={"@odata.context": "x", **_machine_action(kind)})
        if path == f"/api/machineactions/{ACTION_ID}":
            return httpx.Response(200, json={**_machine_action("Isolate"), "status": "Succeeded"})
        assert path == "/api/machines"
        return httpx.Response(
            200,
            json={
                "value": [
                    {
                        "id": MACHINE,
                        "computerDnsName": "host-12",
                        "healthStatus": "Active",
                        "riskScore": "High",
                        "lastIpAddress": "10.0.0.12",
                    }
                ]
            },
        )


def _run(action: str, params: dict[str, Any], fake: FakeDefender) -> Any:
    return run_action(defender.app, action, params, CREDS, FakeTransport(fake))


def test_isolate_release_and_scan_send_documented_bodies() -> None:
    fake = FakeDefender()
    isolated = _run(
        "isolate_machine",
        {"machine_id": MACHINE, "comment": "ransomware", "isolation_type": "Selective"},
        fake,
    )
    assert isolated["type"] == "Isolate" and isolated["status"] == "Pending"
    _run("release_machine", {"machine_id": MACHINE, "comment": "clean"}, fake)
    scan = _run("run_antivirus_scan", {"machine_id": MACHINE, "comment": "check"}, fake)
    assert scan["type"] == "RunAntiVirusScan"
    assert [body for _, body in fake.bodies] == [
        {"Comment": "ransomware", "IsolationType": "Selective"},
        {"Comment": "clean"},
        {"Comment": "check", "ScanType": "Quick"},
    ]


def test_get_action_find_machine_and_test_connection() -> None:
    fake = FakeDefender()
    assert _run("get_machine_action", {"action_id": ACTION_ID}, fake)["status"] == "Succeeded"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/machines" and "$filter" in request.url.params:
            assert request.url.params["$filter"] == "computerDnsName eq 'host-12.acme.local'"
        return fake(request)

    found = run_action(
        defender.app,
        "find_machine",
        {"hostname": "HOST-12.acme.local"},
        CREDS,
        FakeTransport(handler),
    )
    assert found["machines"][0]["id"] == MACHINE
    assert _run("test_connection", {}, fake) == {"ok": True, "machines_visible": 1}


def test_token_is_reused_across_actions() -> None:
    fake = FakeDefender()
    transport = FakeTransport(fake)
    for _ in range(2):
        run_action(defender.app, "test_connection", {}, CREDS, transport)
    hosts = [r.url.host for r in transport.requests]
    assert hosts.count("login.microsoftonline.com") == 1


def test_machine_id_and_filter_injection_are_refused() -> None:
    transport = FakeTransport(FakeDefender())
    with pytest.raises(ParamsInvalid):
        run_action(
            defender.app,
            "isolate_machine",
            {"machine_id": "x/../..", "comment": "c"},
            CREDS,
            transport,
        )
    with pytest.raises(ParamsInvalid):
        run_action(
            defender.app, "find_machine", {"hostname": "a' or 1 eq 1 or 'b"}, CREDS, transport
        )
    with pytest.raises(ParamsInvalid):
        run_action(
            defender.app,
            "isolate_machine",
            {"machine_id": MACHINE, "comment": ""},
            CREDS,
            transport,
        )
    assert transport.requests == []


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (401, False), (404, False), (429, True), (503, True)]
)
def test_errors(status: int, retryable: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "login.microsoftonline.com":
            return httpx.Response(200, json={"access_token": "eyJ0", "expires_in": 3599})
        return httpx.Response(
            status,
            json={
                "error": {
                    "code": "ActiveRequestAlreadyExists",
                    "message": "Action is already in progress",
                    "target": "req-1",
                }
            },
        )

    with pytest.raises(HttpError) as caught:
        run_action(
            defender.app,
            "isolate_machine",
            {"machine_id": MACHINE, "comment": "c"},
            CREDS,
            FakeTransport(handler),
        )
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "Action is already in progress" in str(caught.value)


def test_wrong_client_secret() -> None:
    body = {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.",
    }
    transport = FakeTransport(lambda request: httpx.Response(401, json=body))
    with pytest.raises(HttpError) as caught:
        run_action(defender.app, "test_connection", {}, CREDS, transport)
    assert caught.value.status == 401 and not caught.value.retryable
    assert "invalid_client" in str(caught.value)
