"""OPNsense app against a stand-in that keeps an alias table like the alias_util API does."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import opnsense
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

CREDS = {
    "base_url": "https://fw.acme.test",
    "api_key": "key",
    "api_secret": "secret",
    "alias": "tf_block",
}
AUTH = "Basic " + base64.b64encode(b"key:secret").decode()


class FakeOpnsense:
    """Alias tables as OPNsense keeps them: single hosts without a mask, networks with one."""

    def __init__(self, entries: list[str] | None = None) -> None:
        self.tables: dict[str, list[str]] = {"tf_block": list(entries or []), "bogons": []}
        self.reconfigured = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == AUTH
        parts = request.url.path.strip("/").split("/")
        assert parts[:2] == ["api", "firewall"], request.url.path
        controller, command = parts[2], parts[3]
        if (controller, command) == ("alias", "reconfigure"):
            assert request.method == "POST"
            self.reconfigured += 1
            return httpx.Response(200, json={"status": "ok"})
        assert controller == "alias_util"
        return self._alias_util(request, command, parts[4:])

    def _alias_util(self, request: httpx.Request, command: str, rest: list[str]) -> httpx.Response:
        if command == "aliases":
            assert request.method == "GET"
            return httpx.Response(200, json=sorted(self.tables))
        (alias,) = rest
        if command == "list":
            assert request.method == "GET"
            rows = [{"ip": ip} for ip in sorted(self.tables.get(alias, []))]
            return httpx.Response(
                200, json={"total": len(rows), "rowCount": 9999, "current": 1, "rows": rows}
            )
        assert request.method == "POST"
        address = json.loads(request.content)["address"]
        if alias not in self.tables:
            return httpx.Response(
                200, json={"status": "failed", "status_msg": f"non existing alias {alias}"}
            )
        table = self.tables[alias]
        if command == "add":
            table.append(address.removesuffix("/32"))
        else:
            assert command == "delete"
            table.remove(address)
        return httpx.Response(200, json={"status": "done"})


def _run(action: str, params: dict[str, Any], fake: FakeOpnsense) -> Any:
    return run_action(opnsense.app, action, params, CREDS, FakeTransport(fake))


def test_block_adds_and_applies_then_is_idempotent() -> None:
    fake = FakeOpnsense()
    first = _run("block_ip", {"ip": "203.0.113.7"}, fake)
    assert first == {"ip": "203.0.113.7", "alias": "tf_block", "changed": True, "applied": True}
    assert fake.tables["tf_block"] == ["203.0.113.7"]
    assert fake.reconfigured == 1

    again = _run("block_ip", {"ip": "203.0.113.7/32"}, fake)
    assert again == {"ip": "203.0.113.7", "alias": "tf_block", "changed": False}
    assert fake.reconfigured == 1


def test_block_network_without_apply_in_another_alias() -> None:
    fake = FakeOpnsense()
    fake.tables["edge"] = []
    result = _run("block_ip", {"ip": "198.51.100.0/24", "alias": "edge", "apply": False}, fake)
    assert result["changed"] is True and result["applied"] is False
    assert fake.tables["edge"] == ["198.51.100.0/24"]
    assert fake.reconfigured == 0


def test_unblock_removes_then_reports_no_change() -> None:
    fake = FakeOpnsense(["203.0.113.7", "192.0.2.1"])
    assert _run("unblock_ip", {"ip": "203.0.113.7"}, fake)["changed"] is True
    assert fake.tables["tf_block"] == ["192.0.2.1"]
    assert _run("unblock_ip", {"ip": "203.0.113.7"}, fake) == {
        "ip": "203.0.113.7",
        "alias": "tf_block",
        "changed": False,
    }


def test_list_blocked_and_test_connection() -> None:
    fake = FakeOpnsense(["192.0.2.1", "10.9.0.0/16"])
    assert _run("list_blocked", {}, fake) == {
        "alias": "tf_block",
        "count": 2,
        "addresses": ["10.9.0.0/16", "192.0.2.1"],
    }
    assert _run("test_connection", {}, fake) == {
        "ok": True,
        "alias": "tf_block",
        "alias_exists": True,
    }


def test_refusal_from_opnsense_is_a_vendor_error() -> None:
    fake = FakeOpnsense()
    fake.tables = {}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/list/ghost"):
            return httpx.Response(
                200, json={"total": 0, "rowCount": 9999, "current": 1, "rows": []}
            )
        return fake(request)

    with pytest.raises(ActionError) as caught:
        run_action(
            opnsense.app,
            "block_ip",
            {"ip": "192.0.2.9", "alias": "ghost"},
            CREDS,
            FakeTransport(handler),
        )
    assert caught.value.error_type == "vendor"
    assert "non existing alias ghost" in str(caught.value)


@pytest.mark.parametrize("target", ["0.0.0.0/0", "127.0.0.1", "::/0", "not-an-ip", "10.0.0.5/24"])
def test_unsafe_or_invalid_targets_are_refused_before_any_call(target: str) -> None:
    transport = FakeTransport(FakeOpnsense())
    with pytest.raises(ParamsInvalid):
        run_action(opnsense.app, "block_ip", {"ip": target}, CREDS, transport)
    assert transport.requests == []


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (404, False), (429, True), (500, True)]
)
def test_errors(status: int, retryable: bool) -> None:
    body = {"status": status, "message": "Authentication Failed"}
    transport = FakeTransport(lambda request: httpx.Response(status, json=body))
    with pytest.raises(HttpError) as caught:
        run_action(opnsense.app, "block_ip", {"ip": "192.0.2.9"}, CREDS, transport)
    assert caught.value.retryable is retryable
    assert "Authentication Failed" in str(caught.value)
