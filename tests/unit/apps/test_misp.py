"""MISP app against a stand-in that checks every request against MISP's own OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _vendor_spec import VendorSpec

from threatflow.apps.builtin import misp
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError

CREDS = {"url": "https://misp.example.org/", "api_key": "K3y-0f-MISP"}

ATTRIBUTE = {
    "id": "1507",
    "event_id": "42",
    "object_id": "0",
    "object_relation": None,
    "category": "Network activity",
    "type": "ip-dst",
    "to_ids": True,
    "uuid": "5f0a7e3c-9b6a-4c1e-8f21-0a4b1c2d3e4f",
    "timestamp": "1718000000",
    "distribution": "5",
    "sharing_group_id": "0",
    "comment": "C2 seen in phishing wave",
    "deleted": False,
    "disable_correlation": False,
    "value": "203.0.113.7",
    "Event": {"id": "42", "info": "Phishing wave June", "org_id": "1", "orgc_id": "1"},
}
EVENT = {
    "id": "42",
    "orgc_id": "1",
    "org_id": "1",
    "date": "2024-06-10",
    "threat_level_id": "2",
    "info": "Phishing wave June",
    "published": False,
    "uuid": "c99506a6-1255-4b71-afa5-7b8ba48c3b1b",
    "analysis": "1",
    "distribution": "1",
    "Attribute": [ATTRIBUTE],
}

Route = Callable[[httpx.Request, dict[str, str]], httpx.Response]


@pytest.fixture(scope="module")
def spec() -> VendorSpec:
    return VendorSpec("misp.yaml")


def stand_in(spec: VendorSpec, routes: dict[str, Route]) -> FakeTransport:
    """A MISP stand-in: checks auth and conformance, then answers from ``routes``."""

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "K3y-0f-MISP"
        assert request.headers["accept"] == "application/json"
        assert spec.problems(request) == []
        op, values = spec.operation(request.method, request.url.path)
        return routes[f"{op.method} {op.template}"](request, values)

    return FakeTransport(handle)


def answer(body: Any, status: int = 200) -> Route:
    return lambda request, values: httpx.Response(status, json=body)


def test_test_connection_reads_the_version(spec: VendorSpec) -> None:
    version = {"version": "2.4.190", "perm_sync": False, "perm_sighting": True}
    transport = stand_in(spec, {"GET /servers/getVersion": answer(version)})

    result = run_action(misp.app, "test_connection", {}, CREDS, transport)

    assert result == {"ok": True, "version": "2.4.190"}
    assert str(transport.requests[0].url) == "https://misp.example.org/servers/getVersion"


def test_search_attributes_posts_a_rest_search(spec: VendorSpec) -> None:
    found = {"response": {"Attribute": [ATTRIBUTE]}}
    transport = stand_in(spec, {"POST /attributes/restSearch": answer(found)})

    result = run_action(
        misp.app,
        "search_attributes",
        {"value": "203.0.113.7", "type": "ip-dst", "tags": ["tlp:amber"], "last": "7d"},
        CREDS,
        transport,
    )

    assert result["count"] == 1 and result["attributes"][0]["event_id"] == "42"
    assert transport.json() == {
        "returnFormat": "json",
        "value": "203.0.113.7",
        "type": "ip-dst",
        "tags": ["tlp:amber"],
        "last": "7d",
        "limit": 100,
        "page": 1,
    }


def test_search_events_unwraps_events(spec: VendorSpec) -> None:
    found = {"response": [{"Event": EVENT}]}
    transport = stand_in(spec, {"POST /events/restSearch": answer(found)})

    result = run_action(
        misp.app, "search_events", {"value": "203.0.113.7", "published": True}, CREDS, transport
    )

    assert result["count"] == 1 and result["events"][0]["uuid"] == EVENT["uuid"]
    body = transport.json()
    assert body["published"] is True and body["returnFormat"] == "json"
    assert "metadata" not in body


def test_add_event_with_attributes(spec: VendorSpec) -> None:
    transport = stand_in(spec, {"POST /events/add": answer({"Event": EVENT})})
    params = {
        "info": "Phishing wave June",
        "distribution": "1",
        "threat_level_id": "2",
        "attributes": [{"type": "ip-dst", "value": "203.0.113.7", "category": "Network activity"}],
    }

    result = run_action(misp.app, "add_event", params, CREDS, transport)

    assert result["id"] == "42"
    body = transport.json()
    assert body["info"] == "Phishing wave June" and body["published"] is False
    assert body["Attribute"][0] == {
        "type": "ip-dst",
        "value": "203.0.113.7",
        "category": "Network activity",
        "to_ids": True,
        "comment": "",
        "distribution": "5",
    }


def test_add_attribute_to_event(spec: VendorSpec) -> None:
    seen: list[dict[str, str]] = []

    def add(request: httpx.Request, values: dict[str, str]) -> httpx.Response:
        seen.append(values)
        return httpx.Response(200, json={"Attribute": ATTRIBUTE})

    transport = stand_in(spec, {"POST /attributes/add/{eventId}": add})
    attribute = {"type": "domain", "value": "evil.example", "to_ids": False}

    result = run_action(
        misp.app, "add_attribute", {"event_id": "42", "attribute": attribute}, CREDS, transport
    )

    assert result["uuid"] == ATTRIBUTE["uuid"]
    assert seen == [{"eventId": "42"}]
    assert transport.json()["to_ids"] is False


def test_add_sighting_by_value_and_by_attribute(spec: VendorSpec) -> None:
    sighting = {"id": "9", "attribute_id": "1507", "event_id": "42", "source": "threatflow"}
    transport = stand_in(
        spec,
        {
            "POST /sightings/add": answer({"saved": True, "success": True}),
            "POST /sightings/add/{attributeId}": answer({"Sighting": sighting}),
        },
    )

    by_value = run_action(misp.app, "add_sighting", {"value": "203.0.113.7"}, CREDS, transport)
    by_id = run_action(
        misp.app,
        "add_sighting",
        {"attribute_id": "1507", "type": "false_positive"},
        CREDS,
        transport,
    )

    assert by_value["saved"] is True and by_id["id"] == "9"
    assert transport.json(0) == {"type": "0", "source": "threatflow", "values": ["203.0.113.7"]}
    assert transport.json(1) == {"type": "1", "source": "threatflow"}


def test_add_sighting_needs_a_target(spec: VendorSpec) -> None:
    with pytest.raises(ActionError) as caught:
        run_action(misp.app, "add_sighting", {}, CREDS, stand_in(spec, {}))
    assert caught.value.error_type == "params" and not caught.value.retryable


def test_add_tag_by_name_looks_the_tag_up(spec: VendorSpec) -> None:
    tags = [
        {"Tag": {"id": "6", "name": "tlp:amber+strict"}},
        {"Tag": {"id": "7", "name": "tlp:amber", "colour": "#FFC000"}},
    ]
    transport = stand_in(
        spec,
        {
            "GET /tags/search/{tagSearchTerm}": answer(tags),
            "POST /events/addTag/{eventId}/{tagId}/local:{local}": answer(
                {"saved": True, "success": "Tag added.", "check_publish": True}
            ),
        },
    )

    result = run_action(
        misp.app,
        "add_tag",
        {"target": "event", "target_id": "42", "tag": "tlp:amber", "local": True},
        CREDS,
        transport,
    )

    assert result["tag_id"] == "7" and result["saved"] is True
    assert transport.requests[0].url.path == "/tags/search/tlp:amber"
    assert transport.requests[1].url.path == "/events/addTag/42/7/local:1"


def test_add_tag_to_attribute_by_id_and_refusal(spec: VendorSpec) -> None:
    refused = {"saved": False, "errors": "Tag could not be added."}
    transport = stand_in(
        spec, {"POST /attributes/addTag/{attributeId}/{tagId}/local:{local}": answer(refused)}
    )

    with pytest.raises(ActionError) as caught:
        run_action(
            misp.app,
            "add_tag",
            {"target": "attribute", "target_id": "1507", "tag": "12"},
            CREDS,
            transport,
        )

    assert caught.value.error_type == "vendor"
    assert transport.requests[0].url.path == "/attributes/addTag/1507/12/local:0"


def test_add_tag_unknown_name(spec: VendorSpec) -> None:
    transport = stand_in(spec, {"GET /tags/search/{tagSearchTerm}": answer([])})
    with pytest.raises(ActionError) as caught:
        run_action(
            misp.app,
            "add_tag",
            {"target": "event", "target_id": "42", "tag": "no:such"},
            CREDS,
            transport,
        )
    assert caught.value.error_type == "not_found"


@pytest.mark.parametrize(
    ("status", "retryable"), [(403, False), (404, False), (429, True), (500, True), (503, True)]
)
def test_vendor_errors_carry_status_and_message(
    spec: VendorSpec, status: int, retryable: bool
) -> None:
    error = {"name": "Authentication failed.", "message": "Authentication failed.", "url": "/"}
    transport = stand_in(spec, {"GET /servers/getVersion": answer(error, status)})

    with pytest.raises(HttpError) as caught:
        run_action(misp.app, "test_connection", {}, CREDS, transport)

    assert caught.value.status == status and caught.value.retryable is retryable
    assert "Authentication failed." in str(caught.value)


def test_missing_api_key_is_a_credential_error() -> None:
    with pytest.raises(ActionError) as caught:
        run_action(misp.app, "test_connection", {}, {"url": "https://misp.example.org"})
    assert caught.value.error_type == "credential"
