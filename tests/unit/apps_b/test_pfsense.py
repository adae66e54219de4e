"""pfSense app against a stand-in for the pfrest REST API v2 alias endpoints."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import pfsense
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

CREDS = {"base_url": "https://pf.acme.test", "api_key": "pf-key", "alias": "tf_block"}


def _envelope(data: Any, code: int = 200) -> httpx.Response:
    return httpx.Response(
        code,
        json={"code": code, "status": "ok", "response_id": "SUCCESS", "message": "", "data": data},
    )


class FakePfsense:
    """Aliases by id, as pfrest exposes them (id is the position in config.xml)."""

    def __init__(self, kind: str = "host", address: list[str] | None = None) -> None:
        address = list(address or [])
        self.aliases = [
            {
                "id": 0,
                "name": "lan_hosts",
                "type": "host",
                "descr": "",
                "address": [],
                "detail": [],
            },
            {
                "id": 1,
                "name": "tf_block",
                "type": kind,
                "descr": "Threatflow",
                "address": address,
                "detail": ["seed"] * len(address),
            },
        ]
        self.applied = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["X-API-Key"] == "pf-key"
        route = (request.method, request.url.path)
        if route == ("GET", "/api/v2/firewall/aliases"):
            name = request.url.params["name"]
            return _envelope([a for a in self.aliases if a["name"] == name])
        if route == ("PATCH", "/api/v2/firewall/alias"):
            return self._patch(json.loads(request.content))
        assert route == ("POST", "/api/v2/firewall/apply"), route
        self.applied += 1
        return _envelope({"applied": True, "pending_subsystems": []})

    def _patch(self, body: dict[str, Any]) -> httpx.Response:
        assert set(body) == {"id", "address", "detail"}
        assert isinstance(body["address"], list) and isinstance(body["detail"], list)
        if len(body["detail"]) > len(body["address"]):
            return httpx.Response(
                400,
                json={
                    "code": 400,
                    "status": "bad request",
                    "response_id": "ALIAS_DETAIL_NOT_ALLOWED",
                    "message": "too many details",
                    "data": [],
                },
            )
        alias = self.aliases[body["id"]]
        alias.update(address=body["address"], detail=body["detail"])
        return _envelope(alias)

    @property
    def block(self) -> dict[str, Any]:
        return self.aliases[1]


def _run(action: str, params: dict[str, Any], fake: FakePfsense) -> Any:
    return run_action(pfsense.app, action, params, CREDS, FakeTransport(fake))


def test_block_appends_with_description_and_applies() -> None:
    fake = FakePfsense(address=["192.0.2.1"])
    result = _run("block_ip", {"ip": "203.0.113.7", "comment": "case 42"}, fake)
    assert result == {"ip": "203.0.113.7", "alias": "tf_block", "changed": True, "applied": True}
    assert fake.block["address"] == ["192.0.2.1", "203.0.113.7"]
    assert fake.block["detail"] == ["seed", "case 42"]
    assert fake.applied == 1

    assert _run("block_ip", {"ip": "203.0.113.7"}, fake)["changed"] is False
    assert fake.applied == 1


def test_network_alias_stores_cidr_and_matches_host_form() -> None:
    fake = FakePfsense(kind="network", address=["198.51.100.0/24"])
    assert _run("block_ip", {"ip": "198.51.100.0/24"}, fake)["changed"] is False
    _run("block_ip", {"ip": "203.0.113.7", "apply": False}, fake)
    assert fake.block["address"][-1] == "203.0.113.7/32"
    assert fake.applied == 0


def test_host_alias_refuses_networks() -> None:
    fake = FakePfsense()
    with pytest.raises(ParamsInvalid):
        _run("block_ip", {"ip": "198.51.100.0/24"}, fake)


def test_unblock_removes_entry_and_its_description() -> None:
    fake = FakePfsense(address=["192.0.2.1", "203.0.113.7"])
    fake.block["detail"] = ["one", "two"]
    assert _run("unblock_ip", {"ip": "192.0.2.1"}, fake)["changed"] is True
    assert fake.block["address"] == ["203.0.113.7"]
    assert fake.block["detail"] == ["two"]
    assert _run("unblock_ip", {"ip": "192.0.2.1"}, fake)["changed"] is False


def test_list_blocked_and_test_connection() -> None:
    fake = FakePfsense(address=["192.0.2.1"])
    assert _run("list_blocked", {}, fake) == {
        "alias": "tf_block",
        "type": "host",
        "entries": [{"address": "192.0.2.1", "detail": "seed"}],
    }
    assert _run("test_connection", {}, fake) == {"ok": True, "alias": "tf_block", "entries": 1}


def test_unknown_alias() -> None:
    with pytest.raises(ActionError) as caught:
        _run("block_ip", {"ip": "192.0.2.1", "alias": "nope"}, FakePfsense())
    assert caught.value.error_type == "not_found" and not caught.value.retryable


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (404, False), (429, True), (500, True)]
)
def test_errors(status: int, retryable: bool) -> None:
    body = {
        "code": status,
        "status": "unauthorized",
        "response_id": "AUTH_FAILED",
        "message": "Authentication failed",
        "data": [],
    }
    transport = FakeTransport(lambda request: httpx.Response(status, json=body))
    with pytest.raises(HttpError) as caught:
        run_action(pfsense.app, "block_ip", {"ip": "192.0.2.9"}, CREDS, transport)
    assert caught.value.retryable is retryable
    assert "Authentication failed" in str(caught.value)
