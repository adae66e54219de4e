"""Velociraptor app against a stand-in for the GUI's API gateway (basic auth + gorilla CSRF)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin import velociraptor
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

CREDS = {"base_url": "https://velo.acme.test:8889", "username": "soar", "password": "pw"}
AUTH = "Basic " + base64.b64encode(b"soar:pw").decode()
CLIENT = "C.1b2c3d4e5f6a7b8c"
PAGE = """<!DOCTYPE html><html><head><script type="text/javascript">
      window.globals = {'debug': false, 'lang': 'en', 'base_path': "",};
      window.CsrfToken = "tok+/csrf==";
      window.base_path = "";
    </script></head><body id="body" class=""></body></html>"""


class FakeVelociraptor:
    def __init__(self) -> None:
        self.posts: list[tuple[str, Any, httpx.Headers]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != AUTH:
            return httpx.Response(
                401,
                text="authorization failed",
                headers={"WWW-Authenticate": 'Basic realm="velociraptor"'},
            )
        path = request.url.path
        if path == "/app/index.html":
            return httpx.Response(
                200,
                text=PAGE,
                headers={
                    "content-type": "text/html",
                    "set-cookie": "_gorilla_csrf=cookie123; Path=/; Max-Age=604800; HttpOnly",
                },
            )
        if request.method == "POST":
            return self._post(request, path)
        return self._get(request, path)

    def _post(self, request: httpx.Request, path: str) -> httpx.Response:
        if request.headers.get(
            "X-CSRF-Token"
        ) != "tok+/csrf==" or "_gorilla_csrf=cookie123" not in request.headers.get("Cookie", ""):
            return httpx.Response(403, text="Forbidden - CSRF token invalid\n")
        body = json.loads(request.content)
        self.posts.append((path, body, request.headers))
        if path == "/api/v1/CollectArtifact":
            return httpx.Response(200, json={"flow_id": "F.CQ1ABCDEF", "request": body})
        assert path == "/api/v1/CreateHunt"
        return httpx.Response(200, json={"flow_id": "H.CQ1HUNT01"})

    def _get(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == "/api/v1/SearchClients":
            assert request.url.params["query"] == "host:host-12"
            return httpx.Response(
                200,
                json={
                    "items": [
                        {
                            "client_id": CLIENT,
                            "agent_information": {"version": "0.7.1"},
                            "os_info": {
                                "system": "windows",
                                "hostname": "host-12",
                                "fqdn": "host-12.acme.local",
                            },
                            "last_seen_at": "1714550400000000",
                            "labels": ["servers"],
                        }
                    ]
                },
            )
        if path == "/api/v1/GetFlowDetails":
            assert request.url.params["client_id"] == CLIENT
            return httpx.Response(
                200,
                json={
                    "context": {
                        "client_id": CLIENT,
                        "session_id": "F.CQ1ABCDEF",
                        "state": "FINISHED",
                        "total_collected_rows": "12",
                        "artifacts_with_results": ["Windows.System.Pslist"],
                    }
                },
            )
        assert path == "/api/v1/GetUserUITraits"
        return httpx.Response(200, json={"username": "soar", "interface_traits": {}})


def _run(action: str, params: dict[str, Any], fake: FakeVelociraptor, **creds: Any) -> Any:
    return run_action(velociraptor.app, action, params, {**CREDS, **creds}, FakeTransport(fake))


def test_collect_artifact_with_csrf_token_and_parameters() -> None:
    fake = FakeVelociraptor()
    result = _run(
        "collect_artifact",
        {
            "client_id": CLIENT,
            "artifact": "Windows.System.Pslist",
            "parameters": {"ProcessRegex": "evil"},
            "urgent": True,
        },
        fake,
        org_id="O123",
    )
    assert result == {
        "client_id": CLIENT,
        "flow_id": "F.CQ1ABCDEF",
        "artifact": "Windows.System.Pslist",
    }
    ((path, body, headers),) = fake.posts
    assert path == "/api/v1/CollectArtifact"
    assert body == {
        "client_id": CLIENT,
        "artifacts": ["Windows.System.Pslist"],
        "urgent": True,
        "specs": [
            {
                "artifact": "Windows.System.Pslist",
                "parameters": {"env": [{"key": "ProcessRegex", "value": "evil"}]},
            }
        ],
        "timeout": 600,
    }
    assert headers["Grpc-Metadata-OrgId"] == "O123"
    assert headers["Referer"] == "https://velo.acme.test:8889/app/index.html"


def test_start_hunt_with_label_condition() -> None:
    fake = FakeVelociraptor()
    before = time.time()
    result = _run(
        "start_hunt",
        {
            "artifact": "Generic.Forensic.Timeline",
            "description": "IR-42 sweep",
            "labels": ["servers"],
            "expires_hours": 2,
        },
        fake,
    )
    assert result == {
        "hunt_id": "H.CQ1HUNT01",
        "state": "RUNNING",
        "artifact": "Generic.Forensic.Timeline",
    }
    body = fake.posts[0][1]
    assert body["condition"] == {"labels": {"label": ["servers"]}}
    assert body["start_request"]["artifacts"] == ["Generic.Forensic.Timeline"]
    expires_s = body["expires"] / 1_000_000
    assert before + 7200 - 5 < expires_s < time.time() + 7200 + 5


def test_paused_hunt_for_one_os() -> None:
    fake = FakeVelociraptor()
    result = _run(
        "start_hunt",
        {"artifact": "Linux.Sys.Users", "description": "d", "os": "LINUX", "start": False},
        fake,
    )
    assert result["state"] == "PAUSED"
    assert fake.posts[0][1]["condition"] == {"os": {"os": "LINUX"}}


def test_find_client_get_flow_and_test_connection() -> None:
    fake = FakeVelociraptor()
    found = _run("find_client", {"hostname": "host-12"}, fake)
    assert found["clients"][0] == {
        "client_id": CLIENT,
        "hostname": "host-12",
        "fqdn": "host-12.acme.local",
        "last_seen_at": "1714550400000000",
        "labels": ["servers"],
    }
    flow = _run("get_flow", {"client_id": CLIENT, "flow_id": "F.CQ1ABCDEF"}, fake)
    assert flow["state"] == "FINISHED" and flow["total_collected_rows"] == "12"
    assert _run("test_connection", {}, fake) == {"ok": True, "username": "soar"}


def test_page_without_csrf_token_is_a_vendor_error() -> None:
    transport = FakeTransport(lambda request: httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(ActionError) as caught:
        run_action(
            velociraptor.app,
            "collect_artifact",
            {"client_id": CLIENT, "artifact": "Generic.Client.Info"},
            CREDS,
            transport,
        )
    assert caught.value.error_type == "vendor"
    assert len(transport.requests) == 1


def test_ids_and_artifact_names_are_validated() -> None:
    transport = FakeTransport(FakeVelociraptor())
    for params in (
        {"client_id": "C.1/../x", "artifact": "A"},
        {"client_id": CLIENT, "artifact": "A; SELECT * FROM execve()"},
    ):
        with pytest.raises(ParamsInvalid):
            run_action(velociraptor.app, "collect_artifact", params, CREDS, transport)
    assert transport.requests == []


def test_wrong_password_is_not_retryable() -> None:
    with pytest.raises(HttpError) as caught:
        _run("test_connection", {}, FakeVelociraptor(), password="nope")
    assert caught.value.status == 401 and not caught.value.retryable


@pytest.mark.parametrize(
    ("status", "retryable"), [(403, False), (404, False), (429, True), (500, True)]
)
def test_gateway_errors(status: int, retryable: bool) -> None:
    body = {
        "code": 7,
        "message": "PermissionDenied: User is not allowed to launch hunts.",
        "details": [],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/app/index.html":
            return FakeVelociraptor()(request)
        return httpx.Response(status, json=body)

    with pytest.raises(HttpError) as caught:
        run_action(
            velociraptor.app,
            "start_hunt",
            {"artifact": "A.B", "description": "d"},
            CREDS,
            FakeTransport(handler),
        )
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "not allowed to launch hunts" in str(caught.value)
