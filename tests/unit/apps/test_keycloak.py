"""Keycloak app against a stand-in admin API: token grants, caching and user operations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from threatflow.apps.builtin import keycloak
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError

URL = "https://sso.example.org"
CLIENT = {"url": URL, "realm": "corp", "client_id": "threatflow", "client_secret": "s3cr3t"}
ADMIN = {"url": URL, "realm": "corp", "username": "admin", "password": "pw"}
ALICE = "7a3e9d52-1c2b-4e8f-9a6d-0b1c2d3e4f50"
GROUPS = [
    {"id": "g-1", "name": "admins", "path": "/admins"},
    {"id": "g-2", "name": "vpn", "path": "/staff/vpn"},
]


class Keycloak:
    def __init__(self) -> None:
        self.grants: list[dict[str, str]] = []
        self.revoked: set[str] = set()
        self.transport = FakeTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/realms/master/protocol/openid-connect/token":
            return self.token(request)
        token = request.headers["authorization"].removeprefix("Bearer ")
        if token not in {f"at-{n}" for n in range(len(self.grants))} or token in self.revoked:
            return httpx.Response(401, json={"error": "HTTP 401 Unauthorized"})
        assert path.startswith("/admin/realms/corp/")
        return self.admin(request, path.removeprefix("/admin/realms/corp"))

    def token(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form["grant_type"] == "client_credentials":
            assert form["client_id"] and form["client_secret"]
        else:
            assert form["grant_type"] == "password" and form["username"] and form["password"]
        self.grants.append(form)
        body = {
            "access_token": f"at-{len(self.grants) - 1}",
            "expires_in": 300,
            "token_type": "Bearer",
        }
        return httpx.Response(200, json=body)

    def admin(self, request: httpx.Request, path: str) -> httpx.Response:
        user = f"/users/{ALICE}"
        route = (request.method, path)
        if route == ("GET", "/users/count"):
            return httpx.Response(200, json=42)
        if route == ("GET", "/users"):
            user_json = {
                "id": ALICE,
                "username": "alice",
                "email": "alice@corp.example",
                "enabled": True,
            }
            return httpx.Response(200, json=[user_json])
        if route == ("PUT", user):
            assert set(json.loads(request.content)) == {"enabled"}
            return httpx.Response(204)
        if route in (("POST", f"{user}/logout"), ("DELETE", f"{user}/groups/g-2")):
            return httpx.Response(204)
        if route == ("PUT", f"{user}/reset-password"):
            body = json.loads(request.content)
            assert body["type"] == "password" and isinstance(body["temporary"], bool)
            return httpx.Response(204)
        if route == ("PUT", f"{user}/execute-actions-email"):
            assert json.loads(request.content) == ["UPDATE_PASSWORD", "CONFIGURE_TOTP"]
            return httpx.Response(204)
        if route == ("GET", f"{user}/groups"):
            return httpx.Response(200, json=GROUPS)
        return httpx.Response(404, json={"error": "User not found"})

    def run(self, action: str, params: dict[str, Any], creds: dict[str, str] = CLIENT) -> Any:
        return run_action(keycloak.app, action, params, creds, self.transport)

    def calls(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.transport.requests]


@pytest.fixture(autouse=True)
def fresh_tokens() -> Iterator[None]:
    keycloak.TOKENS.clear()
    yield
    keycloak.TOKENS.clear()


@pytest.fixture
def kc() -> Keycloak:
    return Keycloak()


def test_client_credentials_token_is_cached(kc: Keycloak) -> None:
    assert kc.run("test_connection", {}) == {"ok": True, "users": 42}
    kc.run("disable_user", {"user_id": ALICE})
    assert len(kc.grants) == 1 and kc.grants[0]["grant_type"] == "client_credentials"
    assert kc.transport.requests[1].headers["authorization"] == "Bearer at-0"


def test_password_grant_uses_admin_cli(kc: Keycloak) -> None:
    kc.run("test_connection", {}, ADMIN)
    assert kc.grants[0] == {
        "client_id": "admin-cli",
        "grant_type": "password",
        "username": "admin",
        "password": "pw",
    }


def test_missing_grant_settings() -> None:
    with pytest.raises(ActionError) as caught:
        run_action(keycloak.app, "test_connection", {}, {"url": URL, "realm": "corp"})
    assert caught.value.error_type == "credential"


def test_rejected_token_is_renewed(kc: Keycloak) -> None:
    kc.run("test_connection", {})
    kc.revoked.add("at-0")
    kc.run("logout_user", {"user_id": ALICE})
    assert len(kc.grants) == 2 and kc.calls()[-1] == f"POST /admin/realms/corp/users/{ALICE}/logout"


def test_find_user_exact_username_or_search(kc: Keycloak) -> None:
    found = kc.run("find_user", {"username": "alice"})
    assert found["count"] == 1 and found["users"][0]["id"] == ALICE
    params = kc.transport.requests[-1].url.params
    assert params["username"] == "alice" and params["exact"] == "true"

    kc.run("find_user", {"search": "ali"})
    assert kc.transport.requests[-1].url.params["search"] == "ali"

    with pytest.raises(ActionError):
        kc.run("find_user", {})


def test_disable_and_enable_user(kc: Keycloak) -> None:
    assert kc.run("disable_user", {"user_id": ALICE}) == {"user_id": ALICE, "enabled": False}
    assert json.loads(kc.transport.requests[-1].content) == {"enabled": False}
    assert kc.run("enable_user", {"user_id": ALICE})["enabled"] is True
    assert json.loads(kc.transport.requests[-1].content) == {"enabled": True}


def test_reset_password_and_update_email(kc: Keycloak) -> None:
    kc.run("reset_password", {"user_id": ALICE, "new_password": "Temp-2024!"})
    assert json.loads(kc.transport.requests[-1].content) == {
        "type": "password",
        "value": "Temp-2024!",
        "temporary": True,
    }

    kc.run(
        "send_update_credentials_email",
        {"user_id": ALICE, "actions": ["UPDATE_PASSWORD", "CONFIGURE_TOTP"], "lifespan": 3600},
    )
    assert kc.transport.requests[-1].url.params["lifespan"] == "3600"


def test_remove_from_group_by_path_or_name(kc: Keycloak) -> None:
    removed = kc.run("remove_from_group", {"user_id": ALICE, "group": "/staff/vpn"})
    assert removed == {"user_id": ALICE, "group": "/staff/vpn", "removed": True}
    assert kc.calls()[-1] == f"DELETE /admin/realms/corp/users/{ALICE}/groups/g-2"

    absent = kc.run("remove_from_group", {"user_id": ALICE, "group": "auditors"})
    assert absent["removed"] is False and absent["was_member"] is False


def test_unknown_user(kc: Keycloak) -> None:
    with pytest.raises(HttpError) as caught:
        kc.run("disable_user", {"user_id": "no-such-user"})
    assert caught.value.status == 404 and not caught.value.retryable
    assert "User not found" in str(caught.value)


@pytest.mark.parametrize(("status", "retryable"), [(401, False), (429, True), (503, True)])
def test_token_endpoint_errors(status: int, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            json={"error": "invalid_client", "error_description": "Invalid client credentials"},
        )

    with pytest.raises(HttpError) as caught:
        run_action(keycloak.app, "test_connection", {}, CLIENT, FakeTransport(refuse))
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "invalid_client" in str(caught.value)
