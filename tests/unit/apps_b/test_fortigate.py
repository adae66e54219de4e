"""FortiGate app against a stand-in that behaves like the FortiOS CMDB REST API."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from threatflow.apps.builtin import fortigate
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import HttpError, ParamsInvalid

CREDS = {"base_url": "https://fgt.acme.test:8443", "api_token": "fgt-token", "vdom": "dmz"}


def _meta(status: int, **extra: Any) -> httpx.Response:
    body = {
        "http_method": "x",
        "status": "success" if status < 400 else "error",
        "http_status": status,
        "vdom": "dmz",
        "serial": "FGVM01",
        "version": "v7.4.3",
        "build": 2573,
        **extra,
    }
    return httpx.Response(status, json=body)


class FakeFortiOS:
    """Address tables and groups; duplicate creates answer ``-5`` like FortiOS does."""

    def __init__(self, duplicate_status: int = 500) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {"address": {}, "address6": {}}
        self.groups: dict[str, dict[str, list[str]]] = {
            "addrgrp": {"threatflow_block": [], "edge": []},
            "addrgrp6": {"threatflow_block6": []},
        }
        self.duplicate_status = duplicate_status
        self.used_elsewhere: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer fgt-token"
        assert request.url.params["vdom"] == "dmz"
        path = [unquote(p) for p in request.url.raw_path.split(b"?")[0].decode().split("/")]
        assert path[1:3] == ["api", "v2"], path
        if path[3] == "monitor":
            return _meta(200, results={"hostname": "fgt-edge", "model": "FGVM64"})
        assert path[3:5] == ["cmdb", "firewall"]
        table, rest = path[5], path[6:]
        if table in self.tables:
            return self._address(request, table, rest)
        return self._group(request, table, rest)

    def _address(self, request: httpx.Request, table: str, rest: list[str]) -> httpx.Response:
        objects = self.tables[table]
        if request.method == "POST":
            body = json.loads(request.content)
            if table == "address":
                assert body["type"] in ("ipmask", "fqdn")
                assert ("subnet" in body) is (body["type"] == "ipmask")
            else:
                assert "ip6" in body
            if body["name"] in objects:
                return _meta(self.duplicate_status, error=-5)
            objects[body["name"]] = body
            return _meta(200, mkey=body["name"])
        assert request.method == "DELETE"
        (name,) = rest
        if name not in objects:
            return _meta(404, error=-3)
        if name in self.used_elsewhere or any(
            name in m for g in self.groups.values() for m in g.values()
        ):
            return _meta(500, error=-23)
        del objects[name]
        return _meta(200, mkey=name)

    def _group(self, request: httpx.Request, table: str, rest: list[str]) -> httpx.Response:
        members = self.groups[table][rest[0]]
        if request.method == "GET":
            assert len(rest) == 1
            items = [{"name": n, "q_origin_key": n} for n in members]
            return _meta(200, results=[{"name": rest[0], "member": items}])
        assert rest[1] == "member"
        if request.method == "POST":
            name = json.loads(request.content)["name"]
            if not any(name in objects for objects in self.tables.values()):
                return _meta(424, error=-3)
            members.append(name)
            return _meta(200)
        assert request.method == "DELETE"
        if rest[2] not in members:
            return _meta(404, error=-3)
        members.remove(rest[2])
        return _meta(200)


def _run(action: str, params: dict[str, Any], fake: FakeFortiOS) -> Any:
    return run_action(fortigate.app, action, params, CREDS, FakeTransport(fake))


@pytest.mark.parametrize("duplicate_status", [500, 424])
def test_block_ip_is_idempotent(duplicate_status: int) -> None:
    fake = FakeFortiOS(duplicate_status)
    first = _run("block_ip", {"ip": "203.0.113.7"}, fake)
    assert first == {
        "object": "tf-203.0.113.7",
        "group": "threatflow_block",
        "changed": True,
        "created": True,
    }
    assert fake.tables["address"]["tf-203.0.113.7"]["subnet"] == "203.0.113.7/32"
    assert fake.groups["addrgrp"]["threatflow_block"] == ["tf-203.0.113.7"]

    again = _run("block_ip", {"ip": "203.0.113.7"}, fake)
    assert again["changed"] is False and again["created"] is False
    assert fake.groups["addrgrp"]["threatflow_block"] == ["tf-203.0.113.7"]


def test_existing_object_outside_the_group_is_added() -> None:
    fake = FakeFortiOS()
    fake.tables["address"]["tf-198.51.100.0_24"] = {"name": "tf-198.51.100.0_24"}
    result = _run("block_ip", {"ip": "198.51.100.0/24", "group": "edge"}, fake)
    assert result == {
        "object": "tf-198.51.100.0_24",
        "group": "edge",
        "changed": True,
        "created": False,
    }
    assert fake.groups["addrgrp"]["edge"] == ["tf-198.51.100.0_24"]


def test_ipv6_uses_address6_tables() -> None:
    fake = FakeFortiOS()
    _run("block_ip", {"ip": "2001:db8::1"}, fake)
    assert fake.tables["address6"]["tf-2001:db8::1"]["ip6"] == "2001:db8::1/128"
    assert fake.groups["addrgrp6"]["threatflow_block6"] == ["tf-2001:db8::1"]


def test_unblock_ip_removes_member_then_object() -> None:
    fake = FakeFortiOS()
    _run("block_ip", {"ip": "203.0.113.7"}, fake)
    assert _run("unblock_ip", {"ip": "203.0.113.7"}, fake) == {
        "object": "tf-203.0.113.7",
        "group": "threatflow_block",
        "changed": True,
        "object_deleted": True,
    }
    assert fake.tables["address"] == {} and fake.groups["addrgrp"]["threatflow_block"] == []
    assert _run("unblock_ip", {"ip": "203.0.113.7"}, fake)["changed"] is False


def test_unblock_keeps_an_object_still_used_elsewhere() -> None:
    fake = FakeFortiOS()
    _run("block_ip", {"ip": "203.0.113.7"}, fake)
    fake.used_elsewhere.add("tf-203.0.113.7")
    result = _run("unblock_ip", {"ip": "203.0.113.7"}, fake)
    assert result["changed"] is True and result["object_deleted"] is False
    assert "tf-203.0.113.7" in fake.tables["address"]


def test_block_and_unblock_domain() -> None:
    fake = FakeFortiOS()
    result = _run("block_domain", {"domain": "Evil.Example.com"}, fake)
    assert result["object"] == "tf-evil.example.com" and result["changed"] is True
    assert fake.tables["address"]["tf-evil.example.com"]["fqdn"] == "evil.example.com"
    assert _run("block_domain", {"domain": "evil.example.com"}, fake)["changed"] is False
    assert _run("unblock_domain", {"domain": "evil.example.com"}, fake)["changed"] is True


def test_invalid_domain_is_refused() -> None:
    transport = FakeTransport(FakeFortiOS())
    with pytest.raises(ParamsInvalid):
        run_action(fortigate.app, "block_domain", {"domain": "evil.com/../../x"}, CREDS, transport)
    assert transport.requests == []


def test_test_connection() -> None:
    assert _run("test_connection", {}, FakeFortiOS()) == {
        "ok": True,
        "hostname": "fgt-edge",
        "version": "v7.4.3",
    }


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (403, False), (429, True), (500, True)]
)
def test_errors(status: int, retryable: bool) -> None:
    transport = FakeTransport(lambda request: _meta(status, error=-37))
    with pytest.raises(HttpError) as caught:
        run_action(fortigate.app, "block_ip", {"ip": "192.0.2.9"}, CREDS, transport)
    assert caught.value.status == status
    assert caught.value.retryable is retryable
    assert "FortiOS error -37" in str(caught.value)
    assert "fgt-token" not in str(caught.value)
