"""The ``tools`` app: pure data actions, run through the SDK like the engine runs them."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from threatflow.apps.builtin.tools import app
from threatflow.apps.registry import load_builtin
from threatflow.apps.sdk import Category
from threatflow.apps.testing import FakeTransport, run_action, run_action_async
from threatflow.errors import ActionError, HttpError, ParamsInvalid

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
WAZUH_ALERTS = FIXTURES / "wazuh" / "alerts"


def run(action: str, transport: httpx.AsyncBaseTransport | None = None, **params: Any) -> Any:
    return run_action(app, action, params, transport=transport)


def test_app_is_discovered_as_a_builtin_tools_app() -> None:
    apps = {found.name: found for found in load_builtin()}
    assert apps["tools"] is app
    assert app.category is Category.TOOLS
    assert app.credential_fields == []
    expected = {"repeat_back", "set_value", "filter_list", "regex_capture", "parse_iocs"}
    expected |= {"merge_lists", "datetime", "hash", "base64", "sleep", "http_request"}
    assert set(app.actions) == expected


# repeat_back / set_value


@pytest.mark.parametrize("value", ["text", 42, None, [1, {"a": 2}], {"nested": {"x": [True]}}])
def test_repeat_back_returns_its_input(value: Any) -> None:
    assert run("repeat_back", value=value) == value


@pytest.mark.parametrize(
    ("value", "as_type", "expected"),
    [
        ("42", "number", 42),
        ("4.5", "number", 4.5),
        (7.0, "integer", 7),
        ("yes", "boolean", True),
        ("off", "boolean", False),
        ('{"a": [1]}', "json", {"a": [1]}),
        ({"a": 1}, "string", '{"a": 1}'),
        ("unchanged", "auto", "unchanged"),
    ],
)
def test_set_value_converts_to_the_asked_type(value: Any, as_type: str, expected: Any) -> None:
    result = run("set_value", value=value, as_type=as_type)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "as_type"),
    [("abc", "number"), ("4.5", "integer"), ("maybe", "boolean"), ("{", "json")],
)
def test_set_value_refuses_values_that_do_not_convert(value: str, as_type: str) -> None:
    with pytest.raises(ParamsInvalid) as caught:
        run("set_value", value=value, as_type=as_type)
    assert caught.value.error_type == "params"
    assert caught.value.problems[0].path == "params.value"


# filter_list

ALERTS = [
    {"id": 1, "src": {"ip": "10.0.0.1"}, "level": "12", "tags": ["ssh", "brute"], "note": ""},
    {"id": 2, "src": {"ip": "222.186.30.76"}, "level": 5, "tags": ["pam"], "note": "Seen"},
    {"id": 3, "src": {}, "level": 3.5, "tags": [], "note": None},
]


def ids(result: dict[str, list[Any]], side: str = "valid") -> list[int]:
    return [item["id"] for item in result[side]]


@pytest.mark.parametrize(
    ("field", "operator", "value", "valid"),
    [
        ("src.ip", "equals", "10.0.0.1", [1]),
        ("level", "equals", 12, [1]),  # "12" and 12 compare as numbers
        ("src.ip", "not_equals", "10.0.0.1", [2, 3]),
        ("tags", "contains", "ssh", [1]),
        ("src.ip", "contains", "186", [2]),
        ("src.ip", "starts_with", "10.", [1]),
        ("src.ip", "ends_with", ".76", [2]),
        ("level", "gt", 5, [1]),
        ("level", "ge", 5, [1, 2]),
        ("level", "lt", 5, [3]),
        ("level", "le", "5", [2, 3]),
        ("id", "in", [1, 3], [1, 3]),
        ("src.ip", "regex", r"^\d+\.\d+\.\d+\.76$", [2]),
        ("note", "is_empty", None, [1, 3]),
        ("src.ip", "exists", None, [1, 2]),
        ("tags.0", "equals", "pam", [2]),
    ],
)
def test_filter_list_operators(field: str, operator: str, value: Any, valid: list[int]) -> None:
    result = run("filter_list", items=ALERTS, field=field, operator=operator, value=value)
    assert ids(result) == valid
    assert sorted(ids(result) + ids(result, "invalid")) == [1, 2, 3]


def test_filter_list_case_insensitive_negated_and_from_json_text() -> None:
    result = run(
        "filter_list",
        items=json.dumps(ALERTS),
        field="note",
        operator="equals",
        value="seen",
        case_sensitive=False,
        negate=True,
    )
    assert ids(result) == [1, 3]
    assert ids(result, "invalid") == [2]


def test_filter_list_on_plain_values_with_an_empty_field() -> None:
    result = run(
        "filter_list", items=["a.exe", "b.pdf", "c.EXE"], operator="ends_with", value=".exe"
    )
    assert result == {"valid": ["a.exe"], "invalid": ["b.pdf", "c.EXE"]}


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"items": "not json", "operator": "exists"}, "params.items"),
        ({"items": [], "operator": "regex", "value": "("}, "params.value"),
        ({"items": [], "operator": "between"}, "params.operator"),
    ],
)
def test_filter_list_reports_bad_parameters(params: dict[str, Any], path: str) -> None:
    with pytest.raises(ParamsInvalid) as caught:
        run("filter_list", **params)
    assert caught.value.problems[0].path == path


# regex_capture


def test_regex_capture_returns_groups_and_named_groups_of_every_match() -> None:
    text = "Failed password for root from 1.2.3.4; Failed password for admin from 5.6.7.8"
    result = run("regex_capture", text=text, pattern=r"for (?P<user>\w+) from ([\d.]+)")
    assert result["count"] == 2
    assert [m["named"] for m in result["matches"]] == [{"user": "root"}, {"user": "admin"}]
    assert result["matches"][1]["groups"] == ["admin", "5.6.7.8"]
    assert text[result["matches"][0]["start"] : result["matches"][0]["end"]].endswith("1.2.3.4")


def test_regex_capture_flags_and_bad_patterns() -> None:
    assert run("regex_capture", text="A\nb", pattern="^b$", multiline=True)["count"] == 1
    assert run("regex_capture", text="ABC", pattern="abc", ignore_case=True)["count"] == 1
    assert run("regex_capture", text="ABC", pattern="abc")["count"] == 0
    with pytest.raises(ParamsInvalid):
        run("regex_capture", text="x", pattern="[")


def test_a_catastrophic_regex_is_stopped_with_a_clear_error() -> None:
    started = time.perf_counter()
    with pytest.raises(ParamsInvalid, match="took more than"):
        run("regex_capture", text="a" * 40 + "b", pattern="(a|aa)+$")
    with pytest.raises(ParamsInvalid, match="took more than"):
        run("filter_list", items=["a" * 40 + "b"], operator="regex", value="(a|aa)+$")
    assert time.perf_counter() - started < 3


# parse_iocs


def test_parse_iocs_refangs_and_sorts_every_kind() -> None:
    sha256 = hashlib.sha256(b"x").hexdigest()
    text = (
        "C2 at hxxps://evil-c2[.]com/payload.php?id=7, mail from attacker[@]phish(.)org. "
        f"Hosts 203.0.113.9 and 2001:db8::dead:1, files d41d8cd98f00b204e9800998ecf8427e and "
        f"{sha256}; sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709; exploits cve-2021-44228. "
        "Also beacon.badsite.ru and 203.0.113.9 again."
    )
    result = run("parse_iocs", data=text)
    assert result["urls"] == ["https://evil-c2.com/payload.php?id=7"]
    assert result["domains"] == ["evil-c2.com", "beacon.badsite.ru"]
    assert result["emails"] == ["attacker@phish.org"]
    assert result["ipv4"] == ["203.0.113.9"]
    assert result["ipv6"] == ["2001:db8::dead:1"]
    assert result["md5"] == ["d41d8cd98f00b204e9800998ecf8427e"]
    assert result["sha1"] == ["da39a3ee5e6b4b0d3255bfef95601890afd80709"]
    assert result["sha256"] == [sha256]
    assert result["cves"] == ["CVE-2021-44228"]
    assert result["count"] == 10


def test_parse_iocs_ignores_file_names_versions_and_times() -> None:
    text = (
        "Wrote alert.json, report.pdf and setup.exe at 00:04:41; sshd[11294]: "
        "rule.description changed; version 1.2.3.4.5; std::map; e.g. the agent"
    )
    result = run("parse_iocs", data=text)
    assert result["count"] == 0, result


def test_parse_iocs_walks_json_values() -> None:
    data = {"a": ["x 198.51.100.7 y", {"b": "see example.org"}], "n": 5, "ok": True}
    result = run("parse_iocs", data=data)
    assert result["ipv4"] == ["198.51.100.7"]
    assert result["domains"] == ["example.org"]


def test_parse_iocs_finds_the_source_ip_of_every_real_wazuh_alert() -> None:
    if not WAZUH_ALERTS.is_dir():
        pytest.skip(f"shared fixtures not found at {WAZUH_ALERTS}")
    with_srcip = 0
    for path in sorted(WAZUH_ALERTS.glob("*.json")):
        document = json.loads(path.read_text())
        alert = document.get("_source", document)  # indexer documents wrap the alert
        result = run("parse_iocs", data=document)
        srcip = alert.get("data", {}).get("srcip")
        if srcip:
            with_srcip += 1
            assert srcip in result["ipv4"], path.name
        assert not [d for d in result["domains"] if "compute.internal" in d], path.name
    assert with_srcip >= 8


# merge_lists


def test_merge_lists_dedupes_in_order_including_objects() -> None:
    lists = [[1, "a", {"ip": "1.1.1.1", "n": 1}], ["a", 2, {"n": 1, "ip": "1.1.1.1"}], 3]
    assert run("merge_lists", lists=lists) == [1, "a", {"ip": "1.1.1.1", "n": 1}, 2, 3]
    assert len(run("merge_lists", lists=lists, dedupe=False)) == 7


def test_merge_lists_by_key_keeps_the_first_object() -> None:
    lists = [[{"ip": "1.1.1.1", "src": "a"}], '[{"ip": "1.1.1.1", "src": "b"}, {"ip": "2.2.2.2"}]']
    merged = run("merge_lists", lists=lists, key="ip")
    assert merged == [{"ip": "1.1.1.1", "src": "a"}, {"ip": "2.2.2.2"}]


# datetime


def test_datetime_parses_wazuh_timestamps_and_shifts_them() -> None:
    parsed = run("datetime", operation="parse", value="2020-04-17T00:04:41.137+0000")
    assert parsed["iso"] == "2020-04-17T00:04:41.137000+00:00"
    assert parsed["epoch_ms"] == 1587081881137
    later = run(
        "datetime",
        operation="add",
        value=parsed["epoch_ms"],
        hours=2,
        minutes=-4,
        timezone="Europe/Paris",
        output_format="%Y-%m-%d %H:%M",
    )
    assert later["formatted"] == "2020-04-17 04:00"
    assert later["timezone"] == "Europe/Paris"


def test_datetime_formats_with_a_parse_format_and_now_is_current() -> None:
    result = run(
        "datetime",
        operation="format",
        value="17/04/2020 10:30",
        parse_format="%d/%m/%Y %H:%M",
        output_format="%A",
    )
    assert result["formatted"] == "Friday"
    assert abs(run("datetime")["epoch"] - time.time()) < 5
    rfc = run("datetime", operation="parse", value="Fri, 17 Apr 2020 00:04:41 +0200")
    assert rfc["iso"] == "2020-04-16T22:04:41+00:00"


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"operation": "parse"}, "params.value"),
        ({"operation": "parse", "value": "yesterday-ish"}, "params.value"),
        ({"timezone": "Mars/Olympus"}, "params.timezone"),
    ],
)
def test_datetime_reports_bad_input(params: dict[str, Any], path: str) -> None:
    with pytest.raises(ParamsInvalid) as caught:
        run("datetime", **params)
    assert caught.value.problems[0].path == path


# hash, base64, sleep


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512"])
def test_hash_matches_hashlib(algorithm: str) -> None:
    expected = hashlib.new(algorithm, "héllo".encode()).hexdigest()
    assert run("hash", text="héllo", algorithm=algorithm) == expected


def test_base64_round_trip_url_safe_and_unpadded() -> None:
    encoded = run("base64", value="a?b>c é", url_safe=True)
    assert "+" not in encoded and "/" not in encoded
    assert run("base64", value=encoded.rstrip("="), operation="decode", url_safe=True) == "a?b>c é"
    assert run("base64", value="aGVsbG8", operation="decode") == "hello"


@pytest.mark.parametrize("value", ["@@@", "/w=="])  # not Base64; not UTF-8 once decoded
def test_base64_decode_errors_are_parameter_errors(value: str) -> None:
    with pytest.raises(ParamsInvalid):
        run("base64", value=value, operation="decode")


def test_sleep_waits_and_is_capped() -> None:
    started = time.perf_counter()
    assert run("sleep", seconds=0.05) == {"slept": 0.05}
    assert time.perf_counter() - started >= 0.05
    with pytest.raises(ParamsInvalid):
        run("sleep", seconds=301)
    schema = app.actions["sleep"].params_schema()
    assert schema["properties"]["seconds"]["maximum"] == 300


def test_sleep_can_be_cancelled_by_a_step_timeout() -> None:
    async def main() -> None:
        await asyncio.wait_for(run_action_async(app, "sleep", {"seconds": 5}), timeout=0.05)

    with pytest.raises(TimeoutError):
        asyncio.run(main())


# http_request (offline, through the test kit's fake transport)


def test_http_request_sends_method_headers_query_and_json() -> None:
    transport = FakeTransport(lambda request: httpx.Response(201, json={"id": 9}))
    result = run(
        "http_request",
        transport,
        url="https://api.example.org/items",
        method="POST",
        headers={"X-Key": "k"},
        query={"page": 2},
        json={"name": "x"},
    )
    assert result["status"] == 201
    assert result["body"] == {"id": 9}
    assert result["headers"]["content-type"] == "application/json"
    sent = transport.requests[0]
    assert (sent.method, str(sent.url)) == ("POST", "https://api.example.org/items?page=2")
    assert sent.headers["X-Key"] == "k"
    assert transport.json() == {"name": "x"}


def test_http_request_returns_4xx_unless_asked_to_fail() -> None:
    transport = FakeTransport(lambda request: httpx.Response(404, text="no such thing"))
    result = run("http_request", transport, url="https://api.example.org/x")
    assert result == {"status": 404, "headers": result["headers"], "body": "no such thing"}
    with pytest.raises(HttpError) as caught:
        run("http_request", transport, url="https://api.example.org/x", fail_on_error=True)
    assert (caught.value.status, caught.value.retryable) == (404, False)


def test_http_request_raw_body_and_transport_failures() -> None:
    transport = FakeTransport(lambda request: httpx.Response(200, text=request.content.decode()))
    result = run("http_request", transport, url="http://h/", method="PUT", body="raw text")
    assert result["body"] == "raw text"

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ActionError) as caught:
        run("http_request", FakeTransport(refuse), url="http://h/")
    assert (caught.value.error_type, caught.value.retryable) == ("connection", True)


@pytest.mark.parametrize(
    "params",
    [
        {"url": "ftp://h/x"},
        {"url": "http://h/", "json": {}, "body": "both"},
        {"url": "http://h/", "timeout_seconds": 0},
        {"url": "http://h/", "method": "BREW"},
    ],
)
def test_http_request_rejects_bad_parameters_before_any_call(params: dict[str, Any]) -> None:
    transport = FakeTransport()
    with pytest.raises(ParamsInvalid):
        run("http_request", transport, **params)
    assert transport.requests == []
