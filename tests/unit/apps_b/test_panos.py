"""PAN-OS app against a stand-in for the XML API (User-ID tag registration)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from threatflow.apps.builtin import panos
from threatflow.apps.testing import FakeTransport, run_action
from threatflow.errors import ActionError, HttpError, ParamsInvalid

CREDS = {"base_url": "https://pa.acme.test", "api_key": "LUFRPT1-key=="}
OK_UID = (
    '<response status="success"><result><uid-response><version>2.0</version>'
    "<payload><{verb}/></payload></uid-response></result></response>"
)


def _xml(status: int, text: str) -> httpx.Response:
    return httpx.Response(
        status, content=text.encode(), headers={"content-type": "application/xml; charset=UTF-8"}
    )


class FakePanos:
    """IP-to-tag registrations, read and written like the firewall's XML API."""

    def __init__(self) -> None:
        self.tags: dict[str, dict[str, str | None]] = {}
        self.updates: list[ET.Element] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/api/")
        assert "key" not in request.url.params
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form.pop("key") == "LUFRPT1-key=="
        cmd = ET.fromstring(form["cmd"])
        if form["type"] == "user-id":
            assert form["vsys"] == "vsys1"
            return self._user_id(cmd)
        assert form["type"] == "op"
        if cmd.find("./system/info") is not None:
            return _xml(
                200,
                '<response status="success"><result><system>'
                "<hostname>pa-edge</hostname><sw-version>11.1.2</sw-version>"
                "</system></result></response>",
            )
        return self._show(cmd)

    def _user_id(self, message: ET.Element) -> httpx.Response:
        assert message.findtext("version") == "2.0"
        assert message.findtext("type") == "update"
        payload = message.find("payload")
        assert payload is not None
        (verb_element,) = list(payload)
        self.updates.append(verb_element)
        for entry in verb_element.findall("entry"):
            ip = str(entry.get("ip"))
            for member in entry.findall("./tag/member"):
                tag = str(member.text)
                if verb_element.tag == "register":
                    self.tags.setdefault(ip, {})[tag] = member.get("timeout")
                else:
                    self.tags.get(ip, {}).pop(tag, None)
        return _xml(200, OK_UID.format(verb=verb_element.tag))

    def _show(self, cmd: ET.Element) -> httpx.Response:
        query = cmd.find("./object/registered-ip")
        assert query is not None
        only_ip = query.findtext("ip")
        tag_entry = query.find("./tag/entry")
        wanted = tag_entry.get("name") if tag_entry is not None else None
        entries = []
        for ip, tags in sorted(self.tags.items()):
            if (only_ip and ip != only_ip) or (wanted and wanted not in tags) or not tags:
                continue
            members = "".join(f"<member>{t}</member>" for t in tags)
            entries.append(
                f'<entry ip="{ip}" from_agent="0" persistent="1"><tag>{members}</tag></entry>'
            )
        body = "".join(entries) + f"<count>{len(entries)}</count>"
        return _xml(200, f'<response status="success"><result>{body}</result></response>')


def _run(action: str, params: dict[str, Any], fake: FakePanos, creds: Any = None) -> Any:
    return run_action(panos.app, action, params, creds or CREDS, FakeTransport(fake))


def test_block_registers_tag_with_timeout_then_is_idempotent() -> None:
    fake = FakePanos()
    first = _run("block_ip", {"ip": "203.0.113.7", "timeout_seconds": 3600}, fake)
    assert first == {"ip": "203.0.113.7", "tag": "threatflow-block", "changed": True}
    assert fake.tags == {"203.0.113.7": {"threatflow-block": "3600"}}

    again = _run("block_ip", {"ip": "203.0.113.7"}, fake)
    assert again["changed"] is False
    assert len(fake.updates) == 1


def test_other_tags_do_not_count_as_blocked() -> None:
    fake = FakePanos()
    fake.tags["203.0.113.7"] = {"quarantine": None}
    assert _run("block_ip", {"ip": "203.0.113.7"}, fake)["changed"] is True
    assert fake.tags["203.0.113.7"] == {"quarantine": None, "threatflow-block": None}


def test_unblock_unregisters_then_reports_no_change() -> None:
    fake = FakePanos()
    _run("block_ip", {"ip": "198.51.100.0/24", "tag": "edge-block"}, fake)
    result = _run("unblock_ip", {"ip": "198.51.100.0/24", "tag": "edge-block"}, fake)
    assert result == {"ip": "198.51.100.0/24", "tag": "edge-block", "changed": True}
    assert fake.updates[-1].tag == "unregister"
    assert (
        _run("unblock_ip", {"ip": "198.51.100.0/24", "tag": "edge-block"}, fake)["changed"] is False
    )


def test_list_blocked_and_test_connection() -> None:
    fake = FakePanos()
    fake.tags = {"192.0.2.1": {"threatflow-block": None}, "192.0.2.2": {"other": None}}
    assert _run("list_blocked", {}, fake) == {
        "tag": "threatflow-block",
        "count": 1,
        "addresses": ["192.0.2.1"],
    }
    assert _run("test_connection", {}, fake) == {
        "ok": True,
        "hostname": "pa-edge",
        "version": "11.1.2",
    }


def test_tag_with_markup_is_refused() -> None:
    transport = FakeTransport(FakePanos())
    with pytest.raises(ParamsInvalid):
        run_action(
            panos.app, "block_ip", {"ip": "192.0.2.1", "tag": "x</member><x>"}, CREDS, transport
        )
    assert transport.requests == []


def test_error_status_in_a_200_answer_is_a_vendor_error() -> None:
    text = (
        '<response status="error"><msg><line><uid-response><version>2.0</version>'
        '<payload><register><entry ip="203.0.113.7" message="Invalid vsys"/>'
        "</register></payload></uid-response></line></msg></response>"
    )
    transport = FakeTransport(lambda request: _xml(200, text))
    with pytest.raises(ActionError) as caught:
        run_action(panos.app, "list_blocked", {}, CREDS, transport)
    assert caught.value.error_type == "vendor" and not caught.value.retryable


def test_entity_expansion_is_not_parsed() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><response status="success">&b;</response>'
    )
    transport = FakeTransport(lambda request: _xml(200, bomb))
    with pytest.raises(ActionError) as caught:
        run_action(panos.app, "test_connection", {}, CREDS, transport)
    assert caught.value.error_type == "vendor"


@pytest.mark.parametrize(
    ("status", "retryable"), [(403, False), (404, False), (429, True), (503, True)]
)
def test_http_errors(status: int, retryable: bool) -> None:
    text = (
        f'<response status="error" code="{status}"><result><msg>Invalid Credential</msg>'
        "</result></response>"
    )
    transport = FakeTransport(lambda request: _xml(status, text))
    with pytest.raises(HttpError) as caught:
        run_action(panos.app, "block_ip", {"ip": "192.0.2.9"}, CREDS, transport)
    assert caught.value.status == status and caught.value.retryable is retryable
    assert "Invalid Credential" in str(caught.value)
    assert "LUFRPT1" not in str(caught.value)
