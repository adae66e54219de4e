"""Entra ID app against stand-ins for the Microsoft identity platform and Graph v1.0."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from threatflow.apps.builtin import entra
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import HttpError

TENANT = "11111111-2222-3333-4444-555555555555"
CREDS = {"tenant_id": TENANT, "client_id": "app-id", "client_secret": "app-secret"}
UPN = "alice@corp.example"
CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean"


class Microsoft:
    def __init__(self, authority: str = "login.microsoftonline.com") -> None:
        self.authority = authority
        self.tokens = 0
        self.transport = FakeTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == self.authority:
            return self.token(request)
        assert request.url.host == "graph.microsoft.com"
        assert request.headers["authorization"] == f"Bearer graph-token-{self.tokens}"
        return self.graph(request, request.url.path.removeprefix("/v1.0"))

    def token(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.url.path == f"/{TENANT}/oauth2/v2.0/token"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form == {
            "grant_type": "client_credentials",
            "client_id": "app-id",
            "client_secret": "app-secret",
            "scope": "https://graph.microsoft.com/.default",
        }
        self.tokens += 1
        body = {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": f"graph-token-{self.tokens}",
        }
        return httpx.Response(200, json=body)

    def graph(self, request: httpx.Request, path: str) -> httpx.Response:
        if (request.method, path) == ("GET", "/users"):
            return httpx.Response(200, json={"value": [{"id": "u-1"}]})
        if path == f"/users/{UPN}" and request.method == "GET":
            assert "accountEnabled" in request.url.params["$select"]
            user = {
                "@odata.context": "x",
                "id": "u-1",
                "userPrincipalName": UPN,
                "accountEnabled": True,
            }
            return httpx.Response(200, json=user)
        if path == f"/users/{UPN}" and request.method == "PATCH":
            assert isinstance(json.loads(request.content)["accountEnabled"], bool)
            return httpx.Response(204)
        if path == f"/users/{UPN}/revokeSignInSessions" and request.method == "POST":
            return httpx.Response(200, json={"@odata.context": CONTEXT, "value": True})
        error = {
            "code": "Request_ResourceNotFound",
            "message": f"Resource '{path}' does not exist.",
        }
        return httpx.Response(404, json={"error": error})

    def run(self, action: str, params: dict[str, Any], creds: dict[str, str] = CREDS) -> Any:
        return run_action(entra.app, action, params, creds, self.transport)


@pytest.fixture(autouse=True)
def fresh_tokens() -> Iterator[None]:
    entra.TOKENS.clear()
    yield
    entra.TOKENS.clear()


def test_test_connection_and_token_cache() -> None:
    ms = Microsoft()
    assert ms.run("test_connection", {}) == {"ok": True, "sample_users": 1}
    ms.run("get_user", {"user": UPN})
    assert ms.tokens == 1


def test_get_user_drops_odata_context() -> None:
    user = Microsoft().run("get_user", {"user": UPN})
    assert user == {"id": "u-1", "userPrincipalName": UPN, "accountEnabled": True}


def test_disable_enable_and_revoke() -> None:
    ms = Microsoft()
    assert ms.run("disable_user", {"user": UPN}) == {"user": UPN, "account_enabled": False}
    assert json.loads(ms.transport.requests[-1].content) == {"accountEnabled": False}
    assert ms.run("enable_user", {"user": UPN})["account_enabled"] is True
    assert ms.run("revoke_sessions", {"user": UPN}) == {"user": UPN, "revoked": True}
    assert ms.transport.requests[-1].url.path == f"/v1.0/users/{UPN}/revokeSignInSessions"


def test_authority_is_overridable() -> None:
    ms = Microsoft(authority="login.microsoftonline.us")
    ms.run(
        "revoke_sessions",
        {"user": UPN},
        {**CREDS, "authority_url": "https://login.microsoftonline.us/"},
    )
    assert ms.transport.requests[0].url.host == "login.microsoftonline.us"


def test_unknown_user() -> None:
    with pytest.raises(HttpError) as caught:
        Microsoft().run("disable_user", {"user": "bob@corp.example"})
    assert caught.value.status == 404 and not caught.value.retryable
    assert "Request_ResourceNotFound" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (403, False), (429, True), (503, True)]
)
def test_vendor_errors(status: int, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.host == "login.microsoftonline.com":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        error = {"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}
        return httpx.Response(status, json={"error": error})

    with pytest.raises(HttpError) as caught:
        run_action(entra.app, "disable_user", {"user": UPN}, CREDS, FakeTransport(refuse))
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "Insufficient privileges" in str(caught.value)
