"""Wazuh active-response app, with every request checked against Wazuh's own OpenAPI document."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from threatflow.apps.builtin import wazuh_response
from threatflow.apps.builtin._netcommon import tokens
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures"
SPEC_FILE = FIXTURES / "openapi" / "wazuh-4.14.7.yaml"
CREDS = {"url": "https://wazuh.acme.test:55000/", "username": "wazuh-wui", "password": "pw"}


def _jwt(lifetime: int) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return ".".join(
        [
            part({"alg": "ES512", "typ": "JWT"}),
            part({"iss": "wazuh", "iat": 1714550400, "exp": 1714550400 + lifetime}),
            "c2ln",
        ]
    )


TOKEN = _jwt(900)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_FILE.exists():
        pytest.skip(f"Wazuh OpenAPI fixture not found at {SPEC_FILE}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads 18k lines fast
    loaded: dict[str, Any] = yaml.load(SPEC_FILE.read_text(), Loader=loader)
    return loaded


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    tokens.clear()
    yield
    tokens.clear()


class SpecChecker:
    """Checks requests against the Wazuh spec and answers with the spec's own examples."""

    def __init__(self, spec: dict[str, Any], affected: list[str] | None = None) -> None:
        self.spec = spec
        self.affected = affected
        self.requests: list[tuple[str, str, Any]] = []

    def ref(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].split("/")[1:]:
                target = target[part]
            node = target
        return node

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        operation = self.spec["paths"][path][request.method.lower()]
        self._check_security(request, operation)
        self._check_query(request, operation)
        body = json.loads(request.content) if request.content else None
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            jsonschema.validate(body, self.ref(schema))
        self.requests.append((request.method, path, body))
        return self._answer(path, operation)

    def _check_security(self, request: httpx.Request, operation: dict[str, Any]) -> None:
        schemes = [next(iter(s)) for s in operation.get("security", self.spec["security"])]
        header = request.headers.get("Authorization", "")
        if schemes == ["basicAuth"]:
            assert header == "Basic " + base64.b64encode(b"wazuh-wui:pw").decode()
        else:
            assert schemes == ["jwt"] and header == f"Bearer {TOKEN}"

    def _check_query(self, request: httpx.Request, operation: dict[str, Any]) -> None:
        declared = {self.ref(p)["name"]: self.ref(p) for p in operation.get("parameters", [])}
        for name, value in request.url.params.multi_items():
            assert name in declared, f"undeclared query parameter {name}"
            schema = self.ref(declared[name]["schema"])
            if schema.get("type") == "array":
                for item in value.split(","):
                    jsonschema.validate(item, self.ref(schema["items"]))
            elif schema.get("type") == "boolean":
                assert value in ("true", "false")

    def _answer(self, path: str, operation: dict[str, Any]) -> httpx.Response:
        example = operation["responses"]["200"]["content"]["application/json"]["example"]
        if path == "/security/user/authenticate":
            return httpx.Response(200, json={"data": {"token": TOKEN}, "error": 0})
        if path == "/active-response" and self.affected is not None:
            example = _partial(self.affected)
        return httpx.Response(200, json=example)


def _partial(affected: list[str]) -> dict[str, Any]:
    failed = [
        {
            "error": {
                "code": 1707,
                "message": "Cannot send request, agent is not active",
                "remediation": "Check non-active agents",
            },
            "id": ["003"],
        }
    ]
    return {
        "data": {
            "affected_items": affected,
            "total_affected_items": len(affected),
            "total_failed_items": 1,
            "failed_items": failed,
        },
        "message": "AR command was not sent to some agents",
        "error": 2 if affected else 1,
    }


def _run(action: str, params: dict[str, Any], checker: SpecChecker) -> Any:
    return run_action(wazuh_response.app, action, params, CREDS, FakeTransport(checker))


def test_block_ip_conforms_to_the_spec(spec: dict[str, Any]) -> None:
    checker = SpecChecker(spec)
    result = _run("block_ip", {"agent_ids": ["1", "002"], "ip": "203.0.113.7"}, checker)
    assert result == {"command": "!firewall-drop", "affected_agents": ["001", "002"], "failed": []}
    (auth, run) = checker.requests
    assert auth[:2] == ("POST", "/security/user/authenticate")
    assert run == (
        "PUT",
        "/active-response",
        {
            "command": "!firewall-drop",
            "arguments": [],
            "alert": {"data": {"srcip": "203.0.113.7"}},
        },
    )


def test_isolate_and_kill_reuse_the_token(spec: dict[str, Any]) -> None:
    checker = SpecChecker(spec)
    transport = FakeTransport(checker)
    run_action(
        wazuh_response.app,
        "isolate_host",
        {"agent_ids": ["001"], "reason": "ransomware"},
        CREDS,
        transport,
    )
    run_action(
        wazuh_response.app,
        "kill_process",
        {"agent_ids": ["001"], "pid": 4242, "process_name": "evil.exe"},
        CREDS,
        transport,
    )
    paths = [path for _, path, _ in checker.requests]
    assert paths == ["/security/user/authenticate", "/active-response", "/active-response"]
    assert checker.requests[1][2]["command"] == "!isolate-host"
    assert checker.requests[1][2]["alert"] == {"data": {"reason": "ransomware"}}
    assert checker.requests[2][2] == {
        "command": "!kill-process",
        "arguments": ["4242"],
        "alert": {"data": {"pid": 4242, "process": "evil.exe"}},
    }
    assert transport.requests[1].url.params["agents_list"] == "001"


def test_run_command_and_test_connection(spec: dict[str, Any]) -> None:
    checker = SpecChecker(spec)
    result = _run("run_command", {"agent_ids": ["005"], "command": "restart-wazuh"}, checker)
    assert result["command"] == "restart-wazuh"
    assert _run("test_connection", {}, checker) == {
        "ok": True,
        "api_version": "v4.5.0",
        "hostname": "wazuh",
    }


def test_partial_failure_is_reported_and_total_failure_raises(spec: dict[str, Any]) -> None:
    result = _run(
        "block_ip",
        {"agent_ids": ["001", "003"], "ip": "203.0.113.7"},
        SpecChecker(spec, affected=["001"]),
    )
    assert result["affected_agents"] == ["001"]
    assert result["failed"] == [
        {"agents": ["003"], "error": "Cannot send request, agent is not active"}
    ]
    with pytest.raises(ActionError) as caught:
        _run(
            "block_ip", {"agent_ids": ["003"], "ip": "203.0.113.7"}, SpecChecker(spec, affected=[])
        )
    assert caught.value.error_type == "vendor"
    assert caught.value.details["failed"][0]["agents"] == ["003"]


def test_agents_must_be_listed_and_valid(spec: dict[str, Any]) -> None:
    checker = SpecChecker(spec)
    for params in (
        {"agent_ids": [], "ip": "203.0.113.7"},
        {"agent_ids": ["001,all"], "ip": "203.0.113.7"},
        {"agent_ids": ["001"], "ip": "127.0.0.1"},
        {"agent_ids": ["001"], "ip": "203.0.113.7", "command": "!x; rm -rf /"},
    ):
        with pytest.raises(ParamsInvalid):
            _run("block_ip", params, checker)
    assert checker.requests == []


def test_short_lived_jwt_is_not_reused() -> None:
    assert wazuh_response._jwt_seconds(_jwt(30)) == 30
    assert wazuh_response._jwt_seconds("not-a-jwt") == wazuh_response.DEFAULT_TOKEN_SECONDS


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (401, False), (403, False), (429, True), (500, True)]
)
def test_errors(spec: dict[str, Any], status: int, retryable: bool) -> None:
    responses = spec["components"]["responses"]
    name = {
        400: "ResponseError",
        401: "InvalidCredentialsResponse",
        403: "PermissionDeniedResponse",
        429: "TooManyRequestsResponse",
        500: "ResponseError",
    }[status]
    example = responses[name]["content"]["application/json"]["example"]
    transport = FakeTransport(lambda request: httpx.Response(status, json=example))
    with pytest.raises(HttpError) as caught:
        run_action(wazuh_response.app, "test_connection", {}, CREDS, transport)
    assert caught.value.status == status and caught.value.retryable is retryable
    assert f"{example['title']}: {example['detail']}"[:60] in str(caught.value)
    assert "pw" not in str(caught.value)
