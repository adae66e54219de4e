"""Every filter and function of the expression language, and the limits behind them."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from threatflow.engine import filters
from threatflow.engine.expressions import Expressions
from threatflow.engine.filters import FilterError, RenderBudget, to_data, to_text
from threatflow.errors import ExpressionError

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"

EXPR = Expressions()
CTX: dict[str, Any] = {
    "trigger": {
        "ts": "2020-04-17T00:04:41.016+0000",
        "url": "https://evil.example.com/a.php?x=1",
        "ips": ["10.1.2.3", "8.8.8.8", "10.1.2.3"],
        "body": '{"id": 7, "tags": ["a", "b"]}',
        "data": {"srcip": "222.186.30.76", "nested": [{"name": "n0"}]},
    },
    "steps": {},
    "vars": {},
    "execution": {"id": "e"},
}


def render(template: str, **extra: Any) -> Any:
    return EXPR.render(template, {**CTX, **extra})


def reason(template: str, **extra: Any) -> str:
    with pytest.raises(ExpressionError) as info:
        render(template, **extra)
    return info.value.reason


def test_every_documented_filter_is_registered() -> None:
    documented = {
        "json", "from_json", "regex_search", "regex_findall", "regex_replace", "ip_in_cidr",
        "is_private_ip", "defang", "refang", "b64encode", "b64decode", "md5", "sha1", "sha256",
        "sha512", "to_datetime", "strftime", "isoformat", "add_seconds", "url_encode", "split",
        "unique", "flatten", "get",
    }  # fmt: skip
    assert documented <= set(filters.FILTERS)
    assert {"now", "get", "from_json", "to_datetime", "ip_in_cidr"} <= set(filters.GLOBALS)
    assert documented <= set(EXPR._env.filters)


# -- JSON -----------------------------------------------------------------------------------


def test_json_and_from_json() -> None:
    assert render("{{ trigger.data | json }}") == json.dumps(CTX["trigger"]["data"])
    assert json.loads(render("{{ trigger.data | json(indent=2) }}")) == CTX["trigger"]["data"]
    assert render("{{ (trigger.body | from_json).tags }}") == ["a", "b"]
    assert render("{{ from_json(trigger.body).id }}") == 7
    assert render("{{ now() | json }}").startswith('"20')


def test_from_json_reports_where_the_text_is_wrong() -> None:
    assert reason("{{ '{\"a\": }' | from_json }}") == (
        "not valid JSON: Expecting value at line 1 column 7"
    )
    assert "expects text, got list" in reason("{{ [1] | from_json }}")


# -- regular expressions --------------------------------------------------------------------


def test_regex_search() -> None:
    line = "sshd[11294]: Failed password for root from 222.186.30.76 port 4242"
    scope = {"line": line}
    ip = r"{{ line | regex_search('\\d+\\.\\d+\\.\\d+\\.\\d+') }}"
    assert render(ip, **scope) == "222.186.30.76"
    assert render(r"{{ line | regex_search('for (\\w+) from', 1) }}", **scope) == "root"
    assert render(r"{{ line | regex_search('port (?P<p>\\d+)', 'p') }}", **scope) == "4242"
    assert render("{{ line | regex_search('FAILED', ignorecase=true) }}", **scope) == "Failed"
    assert render("{{ line | regex_search('nothing here') }}", **scope) is None
    assert "has no group 3" in reason("{{ 'ab' | regex_search('(a)', 3) }}")


def test_regex_findall_and_replace() -> None:
    text = "a=1 b=22 c=333"
    assert render(r"{{ t | regex_findall('\\d+') }}", t=text) == ["1", "22", "333"]
    assert render(r"{{ t | regex_findall('(\\w)=(\\d+)') }}", t=text) == [
        ["a", "1"],
        ["b", "22"],
        ["c", "333"],
    ]
    assert render(r"{{ t | regex_replace('(\\w)=(\\d+)', '\\2:\\1') }}", t=text) == "1:a 22:b 333:c"
    assert render(r"{{ t | regex_replace('\\d', '#', 2) }}", t=text) == "a=# b=#2 c=333"


def test_regex_errors_and_input_limit() -> None:
    assert reason("{{ 'x' | regex_search('(') }}").startswith("invalid regular expression '('")
    assert "invalid replacement" in reason(r"{{ 'x' | regex_replace('x', '\\9') }}")
    big = "a" * (filters.MAX_REGEX_SUBJECT + 1)
    assert "over the limit of 1048576" in reason("{{ big | regex_search('b') }}", big=big)
    assert render("{{ big | regex_search('b') }}", big=big[:-1]) is None


@pytest.mark.parametrize("use", ["regex_search", "regex_findall", "regex_replace"])
def test_a_catastrophic_regex_fails_in_time_instead_of_freezing_the_engine(use: str) -> None:
    extra = ", 'x'" if use == "regex_replace" else ""
    started = time.perf_counter()
    message = reason(f"{{{{ t | {use}('(a|aa)+$'{extra}) }}}}", t="a" * 40 + "b")
    assert time.perf_counter() - started < 2  # without the limit: minutes
    assert "took more than 0.25 s" in message


# -- addresses and indicators ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "cidr", "expected"),
    [
        ("10.1.2.3", "10.0.0.0/8", True),
        ("11.1.2.3", "10.0.0.0/8", False),
        ("192.168.1.9", ["10.0.0.0/8", "192.168.0.0/16"], True),
        ("2001:db8::1", "2001:db8::/32", True),
        ("2001:db8::1", "10.0.0.0/8", False),
        ("10.1.2.3", "10.1.2.0/24 ", True),
        ("10.1.2.3", "10.1.2.1/24", True),
        ("not-an-ip", "10.0.0.0/8", False),
        (None, "10.0.0.0/8", False),
    ],
)
def test_ip_in_cidr(ip: Any, cidr: Any, expected: bool) -> None:
    assert render("{{ ip | ip_in_cidr(cidr) }}", ip=ip, cidr=cidr) is expected
    assert render("{{ ip_in_cidr(ip, cidr) }}", ip=ip, cidr=cidr) is expected


def test_ip_in_cidr_rejects_a_bad_network() -> None:
    assert reason("{{ '10.0.0.1' | ip_in_cidr('10.0.0.0/33') }}") == (
        "'10.0.0.0/33' is not a network in CIDR notation"
    )


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.0.1", True),
        ("127.0.0.1", True),
        ("fd00::1", True),
        ("8.8.8.8", False),
        ("222.186.30.76", False),
        ("garbage", False),
    ],
)
def test_is_private_ip(ip: str, expected: bool) -> None:
    assert render("{{ ip | is_private_ip }}", ip=ip) is expected


@pytest.mark.parametrize(
    ("fanged", "defanged"),
    [
        ("https://evil.example.com/a", "hxxps[:]//evil[.]example[.]com/a"),
        ("http://1.2.3.4:8080/x", "hxxp[:]//1[.]2[.]3[.]4:8080/x"),
        ("ftp://files.example.org", "fxp[:]//files[.]example[.]org"),
        ("evil.example.com", "evil[.]example[.]com"),
        ("mail user@bad.example. Done", "mail user@bad[.]example. Done"),
    ],
)
def test_defang_and_refang_round_trip(fanged: str, defanged: str) -> None:
    assert render("{{ v | defang }}", v=fanged) == defanged
    assert render("{{ v | refang }}", v=defanged) == fanged
    assert render("{{ v | defang | defang }}", v=fanged) == defanged


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hXXps://evil(.)com", "https://evil.com"),
        ("evil[dot]com", "evil.com"),
        ("evil [dot] com", "evil.com"),
        ("evil{.}com", "evil.com"),
        ("http[://]evil.com", "http://evil.com"),
        ("1.2.3[.]4", "1.2.3.4"),
        ("user[at]evil[.]com", "user@evil.com"),
        ("user[@]evil.com", "user@evil.com"),
    ],
)
def test_refang_understands_common_forms(text: str, expected: str) -> None:
    assert render("{{ v | refang }}", v=text) == expected


# -- encodings and hashes -------------------------------------------------------------------


def test_base64() -> None:
    assert render("{{ 'héllo' | b64encode }}") == "aMOpbGxv"
    assert render("{{ 'aMOpbGxv' | b64decode }}") == "héllo"
    assert render("{{ '>?>' | b64encode(urlsafe=true) }}") == "Pj8-"
    assert render("{{ 'Pj8-' | b64decode }}") == ">?>"
    assert render("{{ 'aGk' | b64decode }}") == "hi"
    assert render("{{ 'aG\nk=' | b64decode }}") == "hi"
    assert reason("{{ 'a!b' | b64decode }}").startswith("not valid base64")
    assert reason("{{ '/w==' | b64decode }}") == "the decoded bytes are not UTF-8 text"


@pytest.mark.parametrize(
    ("name", "digest"),
    [
        ("md5", "900150983cd24fb0d6963f7d28e17f72"),
        ("sha1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "sha512",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ],
)
def test_hashes(name: str, digest: str) -> None:
    assert render("{{ 'abc' | " + name + " }}") == digest
    assert render("{{ 123 | " + name + " }}") == render("{{ '123' | " + name + " }}")
    assert reason("{{ none | " + name + " }}") == f"{name} expects text, got null"


def test_url_encode() -> None:
    assert render("{{ 'a b/c?d=é' | url_encode }}") == "a%20b%2Fc%3Fd%3D%C3%A9"
    assert render("{{ {'q': 'x y', 'tag': ['a', 'b'], 'n': 1} | url_encode }}") == (
        "q=x+y&tag=a&tag=b&n=1"
    )


# -- dates and times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2020-04-17T00:04:41.016+0000", "2020-04-17T00:04:41.016000+00:00"),
        ("2020-04-17T02:04:41+02:00", "2020-04-17T00:04:41+00:00"),
        ("2020-04-17T00:04:41Z", "2020-04-17T00:04:41+00:00"),
        ("2020-04-17 00:04:41", "2020-04-17T00:04:41+00:00"),
        ("2020-04-17", "2020-04-17T00:00:00+00:00"),
        (1587081881, "2020-04-17T00:04:41+00:00"),
        ("1587081881.5", "2020-04-17T00:04:41.500000+00:00"),
        (1587081881137, "2020-04-17T00:04:41.137000+00:00"),
    ],
)
def test_to_datetime_reads_iso_wazuh_and_epoch(value: Any, iso: str) -> None:
    assert render("{{ v | to_datetime }}", v=value) == iso
    assert render("{{ v | isoformat }}", v=value) == iso


def test_to_datetime_with_a_format_and_errors() -> None:
    assert render("{{ '17/04/2020 00:04' | to_datetime('%d/%m/%Y %H:%M') | isoformat }}") == (
        "2020-04-17T00:04:00+00:00"
    )
    assert reason("{{ 'yesterday' | to_datetime }}") == (
        "'yesterday' is not a date and time (ISO 8601 or epoch seconds)"
    )
    assert "the format '%Y'" in reason("{{ 'x' | to_datetime('%Y') }}")
    assert "out of the range of dates" in reason("{{ (10 ** 20) | to_datetime }}")


def test_strftime_add_seconds_and_comparisons() -> None:
    assert render("{{ trigger.ts | strftime('%Y-%m-%d %H:%M') }}") == "2020-04-17 00:04"
    assert render("{{ trigger.ts | add_seconds(3600) | isoformat }}") == (
        "2020-04-17T01:04:41.016000+00:00"
    )
    assert render("{{ trigger.ts | add_seconds(-41.016) | strftime('%H:%M:%S') }}") == "00:04:00"
    assert render("{{ (trigger.ts | to_datetime) < now() }}") is True
    assert render("{{ (now() | add_seconds(-60)) < now() }}") is True


def test_now_is_current_utc() -> None:
    produced = datetime.fromisoformat(render("{{ now() }}"))
    assert produced.tzinfo is not None
    assert abs(produced - datetime.now(UTC)) < timedelta(seconds=5)


# -- lists and lookups ----------------------------------------------------------------------


def test_split_unique_flatten() -> None:
    assert render("{{ 'a, b,c' | split(',') }}") == ["a", " b", "c"]
    assert render("{{ ' a  b ' | split }}") == ["a", "b"]
    assert render("{{ 'a:b:c' | split(':', 1) }}") == ["a", "b:c"]
    assert "empty separator" in reason("{{ 'abc' | split('') }}")
    assert render("{{ trigger.ips | unique }}") == ["10.1.2.3", "8.8.8.8"]
    assert render("{{ ['A', 'a', 1, true, 1.0, {'k': 1}, {'k': 1}] | unique }}") == [
        "A",
        "a",
        1,
        True,
        1.0,
        {"k": 1},
    ]
    assert render("{{ [1, [2, [3, [4]]], (5,)] | flatten }}") == [1, 2, 3, 4, 5]
    assert render("{{ [1, [2, [3, [4]]]] | flatten(1) }}") == [1, 2, [3, [4]]]
    assert reason("{{ 'abc' | flatten }}") == "flatten expects a list, got text"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ trigger | get('data.srcip') }}", "222.186.30.76"),
        ("{{ trigger | get('data.nested.0.name') }}", "n0"),
        ("{{ trigger | get('data.nested.-1.name') }}", "n0"),
        ("{{ trigger | get(['data', 'nested', 0, 'name']) }}", "n0"),
        ("{{ trigger | get('data.nope', 'n/a') }}", "n/a"),
        ("{{ trigger | get('data.nested.5.name', 'n/a') }}", "n/a"),
        ("{{ trigger | get('ts.length', 'n/a') }}", "n/a"),
        ("{{ get(trigger, 'data.srcip') }}", "222.186.30.76"),
        ("{{ get(trigger.nope, 'x', 0) }}", 0),
        ("{{ trigger.data | get('') }}", {"srcip": "222.186.30.76", "nested": [{"name": "n0"}]}),
    ],
)
def test_get_follows_dotted_paths(template: str, expected: Any) -> None:
    assert render(template) == expected


# -- Jinja built-ins that are bounded here ---------------------------------------------------


def test_bounded_builtins_behave_like_jinja() -> None:
    assert render("{{ 'ab' | center(6) }}") == "  ab  "
    assert render("{{ 'a\nb' | indent(2) }}") == "a\n  b"
    assert render("{{ 'a\nb' | indent('> ', first=true) }}") == "> a\n> b"
    assert render("{{ 'aaa' | replace('a', 'b', 2) }}") == "bba"
    assert render("{{ trigger.ips | join(', ') }}") == "10.1.2.3, 8.8.8.8, 10.1.2.3"
    assert render("{{ trigger.data.nested | join(',', attribute='name') }}") == "n0"
    assert render("{{ [1, 2, 3] | batch(2, 0) }}") == [[1, 2], [3, 0]]
    assert render("{{ [1, 2, 3] | slice(2) }}") == [[1, 2], [3]]
    assert render("{{ '%s-%03d' | format('x', 7) }}") == "x-007"
    assert render("{{ '%(a)s' | format(a=1) }}") == "1"
    assert render("{{ '{}:{:>4}'.format('a', 1) }}") == "a:   1"


def test_bounded_builtins_refuse_huge_results() -> None:
    assert "over the limit" in reason("{{ 'x' | center(10 ** 8) }}")
    assert "over the limit" in reason("{{ ('x' * 4000000) | replace('x', 'yy') }}")
    assert "over the limit" in reason("{{ range(100000) | join('x' * 100) }}")
    assert "over the limit" in reason("{{ [1] | slice(10 ** 6) }}")
    assert "over the limit" in reason("{{ '%*d' | format(5, 1) }}")
    assert "not both" in reason("{{ '%s' | format(1, a=2) }}")
    assert "nested format fields" in reason("{{ '{:{w}}'.format(1, w=10 ** 8) }}")


# -- data and text forms, budgets -----------------------------------------------------------


def test_to_data_and_to_text() -> None:
    when = datetime(2020, 4, 17, tzinfo=UTC)
    assert to_data({"a": (1, 2), 3: when, None: {1, 2} - {2}}) == {
        "a": [1, 2],
        "3": "2020-04-17T00:00:00+00:00",
        "null": [1],
    }
    assert to_text(None) == "null"
    assert to_text(False) == "false"
    assert to_text(1.5) == "1.5"
    assert to_text({"a": [1, None]}) == '{"a": [1, null]}'
    with pytest.raises(FilterError, match="a function is not data"):
        to_data([to_data])
    with pytest.raises(FilterError, match="nested deeper"):
        to_data(json.loads("[" * 150 + "]" * 150))


def test_weights_count_shared_references_every_time() -> None:
    budget = RenderBudget()
    leaf = ["x" * 6400]
    assert budget.weight(leaf) == 102
    assert budget.weight([leaf, leaf, leaf]) == 1 + 3 * 102
    huge = [leaf] * 30_000
    with pytest.raises(FilterError, match="larger than the limit"):
        budget.weight(huge)


# -- real Wazuh alerts ----------------------------------------------------------------------


def _wazuh_alerts() -> list[dict[str, Any]]:
    folder = FIXTURES / "wazuh" / "alerts"
    if not folder.is_dir():
        pytest.skip(f"shared fixtures not found at {folder}")
    alerts = []
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        alerts.append(document.get("_source", document))
    return alerts


def test_wazuh_alerts_render_with_their_real_shape() -> None:
    for alert in _wazuh_alerts():
        level = alert["rule"]["level"]
        payload = {
            "severity": 1 if level <= 4 else 2 if level <= 7 else 3,
            "title": alert["rule"]["description"],
            "all_fields": alert,
        }
        scope = {**CTX, "trigger": payload}
        when = EXPR.render("{{ trigger.all_fields.timestamp | to_datetime }}", scope)
        assert datetime.fromisoformat(when).tzinfo is not None
        srcip = EXPR.render("{{ trigger.all_fields.data.srcip | default('none') }}", scope)
        assert srcip == alert.get("data", {}).get("srcip", "none")
        text = EXPR.render("[{{ trigger.severity }}] {{ trigger.title | defang }}", scope)
        assert text.startswith(f"[{payload['severity']}] ")
        assert EXPR.truthy("trigger.all_fields.rule.level >= 5 or trigger.severity == 1", scope)


def test_public_names_exist() -> None:
    assert all(hasattr(filters, name) for name in filters.__all__)
