"""CrowdStrike Falcon app against a stand-in for the OAuth2 and Hosts APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from threatflow.apps.builtin import crowdstrike
from threatflow.apps.builtin._netcommon import tokens
from threatflow.apps.testing import FakeTransport, run_action, run_action_async
from threatflow.errors import ActionError, HttpError, ParamsInvalid

CREDS = {"client_id": "cid-1", "client_secret": "s3cret"}
AID = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    tokens.clear()
    yield
    tokens.clear()


def _meta(**extra: Any) -> dict[str, Any]:
    return {
        "meta": {"query_time": 0.01, "powered_by": "device-api", "trace_id": "t-1", **extra},
        "errors": [],
    }


class FakeFalcon:
    def __init__(self) -> None:
        self.issued = 0
        self.revoked: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "api.crowdstrike.com"
        if request.url.path == "/oauth2/token":
            return self._token(request)
        token = request.headers["Authorization"].removeprefix("Bearer ")
        if token in self.revoked or not token.startswith("tok-"):
            return httpx.Response(
                401,
                json={
                    **_meta(),
                    "errors": [{"code": 401, "message": "access denied, invalid bearer token"}],
                },
            )
        return self._hosts(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = parse_qs(request.content.decode())
        assert form == {"client_id": ["cid-1"], "client_secret": ["s3cret"]}
        self.issued += 1
        return httpx.Response(
            201,
            json={"access_token": f"tok-{self.issued}", "token_type": "bearer", "expires_in": 1799},
        )

    def _hosts(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/devices/entities/devices-actions/v2":
            assert request.method == "POST"
            assert request.url.params["action_name"] in ("contain", "lift_containment")
            assert json.loads(request.content) == {"ids": [AID]}
            return httpx.Response(
                202,
                json={
                    **_meta(),
                    "resources": [{"id": AID, "path": "/devices/entities/devices/v1"}],
                },
            )
        if path == "/devices/queries/devices/v1":
            assert request.method == "GET"
            return httpx.Response(
                200,
                json={
                    **_meta(pagination={"offset": 0, "limit": 1, "total": 412}),
                    "resources": [AID],
                },
            )
        assert path == "/devices/entities/devices/v2"
        assert request.url.params["ids"] == AID
        return httpx.Response(
            200,
            json={
                **_meta(),
                "resources": [
                    {
                        "device_id": AID,
                        "hostname": "host-12",
                        "status": "contained",
                        "platform_name": "Windows",
                        "local_ip": "10.0.0.12",
                        "cid": "x",
                    }
                ],
            },
        )


def test_contain_and_lift_share_one_token() -> None:
    fake = FakeFalcon()

    async def scenario() -> list[Any]:
        transport = FakeTransport(fake)
        results = []
        for action in ("contain_host", "lift_containment"):
            results.append(
                await run_action_async(
                    crowdstrike.app, action, {"device_id": AID}, CREDS, transport
                )
            )
        actions = [r.url.params.get("action_name") for r in transport.requests]
        assert actions == [None, "contain", "lift_containment"]
        return results

    contained, lifted = asyncio.run(scenario())
    assert contained == {"device_id": AID, "action": "contain", "accepted": True}
    assert lifted["action"] == "lift_containment"
    assert fake.issued == 1


def test_rejected_cached_token_is_renewed_once() -> None:
    fake = FakeFalcon()
    run_action(crowdstrike.app, "test_connection", {}, CREDS, FakeTransport(fake))
    fake.revoked.add("tok-1")
    result = run_action(
        crowdstrike.app, "contain_host", {"device_id": AID}, CREDS, FakeTransport(fake)
    )
    assert result["accepted"] is True
    assert fake.issued == 2


def test_find_and_get_host() -> None:
    fake = FakeFalcon()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/devices/queries/devices/v1":
            assert request.url.params["filter"] == "hostname:'host-12'"
            assert request.url.params["limit"] == "5"
        return fake(request)

    found = run_action(
        crowdstrike.app,
        "find_host",
        {"hostname": "host-12", "limit": 5},
        CREDS,
        FakeTransport(handler),
    )
    assert found == {"hostname": "host-12", "device_ids": [AID]}
    host = run_action(crowdstrike.app, "get_host", {"device_id": AID}, CREDS, FakeTransport(fake))
    assert host["status"] == "contained" and host["hostname"] == "host-12"


def test_test_connection() -> None:
    assert run_action(
        crowdstrike.app, "test_connection", {}, CREDS, FakeTransport(FakeFalcon())
    ) == {"ok": True, "hosts": 412}


def test_injection_in_hostname_or_id_is_refused() -> None:
    transport = FakeTransport(FakeFalcon())
    with pytest.raises(ParamsInvalid):
        run_action(crowdstrike.app, "find_host", {"hostname": "x',hostname:'*"}, CREDS, transport)
    with pytest.raises(ParamsInvalid):
        run_action(crowdstrike.app, "contain_host", {"device_id": "../../x"}, CREDS, transport)
    assert transport.requests == []


def test_errors_inside_a_success_answer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(201, json={"access_token": "tok-1", "expires_in": 1799})
        return httpx.Response(
            200,
            json={
                **_meta(),
                "resources": [],
                "errors": [{"code": 404, "message": "Device not found", "id": AID}],
            },
        )

    with pytest.raises(ActionError) as caught:
        run_action(
            crowdstrike.app, "contain_host", {"device_id": AID}, CREDS, FakeTransport(handler)
        )
    assert caught.value.error_type == "vendor" and "Device not found" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (403, False), (429, True), (500, True)]
)
def test_http_errors(status: int, retryable: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(201, json={"access_token": "tok-1", "expires_in": 1799})
        return httpx.Response(
            status,
            json={
                **_meta(),
                "errors": [{"code": status, "message": "access denied, authorization failed"}],
            },
        )

    with pytest.raises(HttpError) as caught:
        run_action(
            crowdstrike.app, "contain_host", {"device_id": AID}, CREDS, FakeTransport(handler)
        )
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "authorization failed" in str(caught.value)


def test_bad_client_secret_is_a_non_retryable_401() -> None:
    transport = FakeTransport(
        lambda request: httpx.Response(
            401,
            json={**_meta(), "errors": [{"code": 401, "message": "access denied, invalid client"}]},
        )
    )
    with pytest.raises(HttpError) as caught:
        run_action(crowdstrike.app, "test_connection", {}, CREDS, transport)
    assert caught.value.status == 401 and not caught.value.retryable
    assert len(transport.requests) == 1
