"""Local IP enrichment: scopes from the IANA special-purpose registries, named networks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from threatflow.apps.builtin import enrich
from threatflow.apps.testing import run_action
from threatflow.errors import ActionError

NETWORKS = {"internal": ["10.0.0.0/8", "fd00::/8"], "dmz": ["10.20.0.0/16"]}


def run(action: str, params: dict[str, Any], creds: dict[str, Any] | None = None) -> Any:
    return run_action(enrich.app, action, params, creds or {})


@pytest.mark.parametrize(
    ("ip", "scope", "range_"),
    [
        ("8.8.8.8", "global", ""),
        ("10.1.2.3", "private", "10.0.0.0/8"),
        ("172.31.255.1", "private", "172.16.0.0/12"),
        ("192.168.1.10", "private", "192.168.0.0/16"),
        ("100.64.12.1", "shared", "100.64.0.0/10"),
        ("127.0.0.53", "loopback", "127.0.0.0/8"),
        ("169.254.169.254", "link_local", "169.254.0.0/16"),
        ("224.0.0.251", "multicast", "224.0.0.0/4"),
        ("203.0.113.7", "documentation", "203.0.113.0/24"),
        ("198.18.0.1", "reserved", "198.18.0.0/15"),
        ("255.255.255.255", "reserved", "255.255.255.255/32"),
        ("0.0.0.0", "reserved", "0.0.0.0/8"),
        ("2606:4700:4700::1111", "global", ""),
        ("::1", "loopback", "::1/128"),
        ("::", "unspecified", "::/128"),
        ("fd12:3456::1", "private", "fc00::/7"),
        ("fe80::1", "link_local", "fe80::/10"),
        ("ff02::1", "multicast", "ff00::/8"),
        ("2001:db8::5", "documentation", "2001:db8::/32"),
    ],
)
def test_scopes(ip: str, scope: str, range_: str) -> None:
    result = enrich.classify(ip)
    assert (result["scope"], result["range"]) == (scope, range_)
    assert result["is_global"] is (scope == "global")


def test_ipv4_mapped_address_is_classified_as_its_ipv4() -> None:
    result = enrich.classify("::ffff:10.20.1.1", enrich._networks(NETWORKS))
    assert result["scope"] == "private" and result["ipv4_mapped"] == "10.20.1.1"
    assert result["version"] == 6 and result["lists"] == ["dmz", "internal"]


def test_classify_ip_with_networks_from_credential_and_params() -> None:
    creds = {"lists": json.dumps(NETWORKS)}
    result = run("classify_ip", {"ip": "10.20.3.4", "lists": {"vpn": ["10.20.3.0/24"]}}, creds)
    assert result["lists"] == ["dmz", "internal", "vpn"]
    assert result["range_name"] == "private-use (RFC 1918)"


def test_param_list_replaces_a_stored_list_of_the_same_name() -> None:
    creds = {"lists": json.dumps(NETWORKS)}
    result = run("classify_ip", {"ip": "10.20.3.4", "lists": {"dmz": ["192.0.2.0/24"]}}, creds)
    assert result["lists"] == ["internal"]


def test_classify_ip_rejects_garbage() -> None:
    with pytest.raises(ActionError) as caught:
        run("classify_ip", {"ip": "10.0.0.300"})
    assert caught.value.error_type == "params"


def test_bad_network_lists() -> None:
    with pytest.raises(ActionError) as caught:
        run("classify_ip", {"ip": "10.0.0.1", "lists": {"x": ["10.0.0.0/33"]}})
    assert caught.value.error_type == "params" and "'x'" in str(caught.value)

    with pytest.raises(ActionError) as caught:
        run("classify_ip", {"ip": "10.0.0.1"}, {"lists": "{not json"})
    assert caught.value.error_type == "credential"


def test_classify_ips_counts_and_keeps_global_ones() -> None:
    result = run(
        "classify_ips",
        {"ips": ["8.8.8.8", "10.0.0.1", "bogus", "8.8.8.8", " 1.1.1.1 ", "fe80::1"]},
    )
    assert result["counts"] == {"global": 3, "private": 1, "invalid": 1, "link_local": 1}
    assert result["global_ips"] == ["8.8.8.8", "1.1.1.1"]
    assert result["results"][2] == {"ip": "bogus", "valid": False}
