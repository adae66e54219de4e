"""Wazuh app against a stand-in checked by Wazuh's own OpenAPI document (v4.14.7)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _vendor_spec import VendorSpec

from threatflow.apps.builtin import wazuh
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

CREDS = {"url": "https://wazuh.example:55000", "username": "wazuh-wui", "password": "S3cret!"}
BASIC = "Basic " + base64.b64encode(b"wazuh-wui:S3cret!").decode()


def make_jwt(lifetime: float, serial: int) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"iss": "wazuh", "exp": int(time.time() + lifetime), "jti": serial}
    return f"{part({'alg': 'ES512', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class WazuhStandIn:
    """Issues JWTs, checks each call against the spec and answers with its documented examples."""

    def __init__(self, spec: VendorSpec, lifetime: float = 900) -> None:
        self.spec = spec
        self.lifetime = lifetime
        self.tokens: list[str] = []
        self.revoked: set[str] = set()
        self.overrides: dict[str, httpx.Response] = {}
        self.transport = FakeTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert self.spec.problems(request) == []
        op, _ = self.spec.operation(request.method, request.url.path)
        if op.template == "/security/user/authenticate":
            assert request.headers["authorization"] == BASIC
            self.tokens.append(make_jwt(self.lifetime, len(self.tokens)))
            return httpx.Response(200, json={"data": {"token": self.tokens[-1]}, "error": 0})
        token = request.headers["authorization"].removeprefix("Bearer ")
        if token not in self.tokens or token in self.revoked:
            return httpx.Response(401, json={"title": "Unauthorized", "detail": "Invalid token"})
        key = f"{op.method} {op.template}"
        if key in self.overrides:
            return self.overrides[key]
        return httpx.Response(200, json=self.spec.example(request.method, request.url.path))

    def run(self, action: str, params: dict[str, Any] | None = None) -> Any:
        return run_action(wazuh.app, action, params or {}, CREDS, self.transport)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.transport.requests]


@pytest.fixture(scope="module")
def spec() -> VendorSpec:
    return VendorSpec("wazuh-4.14.7.yaml")


@pytest.fixture(autouse=True)
def fresh_tokens() -> Iterator[None]:
    wazuh.TOKENS.clear()
    yield
    wazuh.TOKENS.clear()


@pytest.fixture
def server(spec: VendorSpec) -> WazuhStandIn:
    return WazuhStandIn(spec)


def test_test_connection_authenticates_then_calls_with_bearer(server: WazuhStandIn) -> None:
    result = server.run("test_connection")

    assert result["ok"] is True
    assert server.paths() == ["POST /security/user/authenticate", "GET /"]
    assert server.transport.requests[1].headers["authorization"] == f"Bearer {server.tokens[0]}"


def test_token_is_reused_until_it_expires(spec: VendorSpec) -> None:
    long_lived = WazuhStandIn(spec, lifetime=900)
    long_lived.run("test_connection")
    long_lived.run("list_agents")
    assert len(long_lived.tokens) == 1

    wazuh.TOKENS.clear()
    short_lived = WazuhStandIn(spec, lifetime=10)  # inside the cache's safety margin
    short_lived.run("test_connection")
    short_lived.run("list_agents")
    assert len(short_lived.tokens) == 2


def test_revoked_token_is_renewed_once(server: WazuhStandIn) -> None:
    server.run("test_connection")
    server.revoked.add(server.tokens[0])

    server.run("list_agents")

    assert server.paths()[2:] == [
        "GET /agents",
        "POST /security/user/authenticate",
        "GET /agents",
    ]


def test_list_agents_passes_filters(server: WazuhStandIn) -> None:
    result = server.run(
        "list_agents",
        {"status": ["active", "disconnected"], "group": "default", "query": "os.platform=ubuntu"},
    )

    assert result["total"] == 3 and result["agents"][0]["id"] == "001"
    params = server.transport.requests[-1].url.params
    assert params["status"] == "active,disconnected"
    assert params["q"] == "os.platform=ubuntu" and params["limit"] == "500"


def test_get_agent_pads_the_id(server: WazuhStandIn) -> None:
    agent = server.run("get_agent", {"agent_id": "1"})

    assert agent["id"] == "001"
    assert server.transport.requests[-1].url.params["agents_list"] == "001"


def test_get_agent_unknown(server: WazuhStandIn) -> None:
    empty = {"data": {"affected_items": [], "total_affected_items": 0, "failed_items": []}}
    server.overrides["GET /agents"] = httpx.Response(200, json=empty)

    with pytest.raises(ActionError) as caught:
        server.run("get_agent", {"agent_id": "042"})
    assert caught.value.error_type == "not_found"


def test_run_active_response(server: WazuhStandIn) -> None:
    result = server.run(
        "run_active_response",
        {
            "command": "!firewall-drop",
            "agents": ["1", "002"],
            "arguments": ["-"],
            "alert": {"srcip": "203.0.113.7"},
        },
    )

    request = server.transport.requests[-1]
    assert request.method == "PUT" and request.url.params["agents_list"] == "001,002"
    assert json.loads(request.content) == {
        "command": "!firewall-drop",
        "arguments": ["-"],
        "alert": {"data": {"srcip": "203.0.113.7"}},
    }
    assert result["total_affected_items"] == 2


def test_active_response_on_no_agent_is_an_error(server: WazuhStandIn) -> None:
    failed = {
        "data": {
            "affected_items": [],
            "total_affected_items": 0,
            "total_failed_items": 1,
            "failed_items": [
                {
                    "error": {"code": 1707, "message": "Cannot send request, agent is not active"},
                    "id": ["003"],
                }
            ],
        },
        "message": "AR command was not sent to any agent",
        "error": 1,
    }
    server.overrides["PUT /active-response"] = httpx.Response(200, json=failed)

    with pytest.raises(ActionError) as caught:
        server.run("run_active_response", {"command": "restart-wazuh", "agents": ["003"]})

    assert "agent is not active" in str(caught.value)
    assert caught.value.details["failed_items"][0]["id"] == ["003"]


def test_active_response_needs_agents(server: WazuhStandIn) -> None:
    with pytest.raises(ActionError) as caught:
        server.run("run_active_response", {"command": "restart-wazuh", "agents": []})
    assert caught.value.error_type == "params"


def test_restart_agent(server: WazuhStandIn) -> None:
    result = server.run("restart_agent", {"agent_id": "2"})

    assert server.paths()[-1] == "PUT /agents/002/restart"
    assert result["affected_items"] == ["002"]


def test_bad_credentials_are_not_retryable(spec: VendorSpec) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"title": "Unauthorized", "detail": "Invalid credentials"})

    with pytest.raises(HttpError) as caught:
        run_action(wazuh.app, "test_connection", {}, CREDS, FakeTransport(refuse))

    assert caught.value.status == 401 and not caught.value.retryable
    assert "Invalid credentials" in str(caught.value)


@pytest.mark.parametrize(("status", "retryable"), [(403, False), (429, True), (500, True)])
def test_call_errors(server: WazuhStandIn, status: int, retryable: bool) -> None:
    server.overrides["PUT /agents/{agent_id}/restart"] = httpx.Response(
        status, json={"title": "Error", "detail": "refused by the server"}
    )

    with pytest.raises(HttpError) as caught:
        server.run("restart_agent", {"agent_id": "001"})

    assert caught.value.status == status and caught.value.retryable is retryable
    assert "refused by the server" in str(caught.value)


def test_agent_ids_must_be_numbers(server: WazuhStandIn) -> None:
    with pytest.raises(ParamsInvalid) as caught:
        server.run("run_active_response", {"command": "restart-wazuh", "agents": ["001", "web01"]})
    assert caught.value.problems[0].path == "params.agents"
    assert server.transport.requests == []
