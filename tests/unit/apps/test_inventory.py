"""Asset inventory app: file-backed (YAML or JSON) and inline assets, lookups and filters."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from threatflow.apps.builtin import inventory
from threatflow.apps.testing import run_action
from threatflow.errors import ActionError, ParamsInvalid

YAML = """
assets:
  - hostname: web01.corp.example
    ip: 10.20.0.5
    owner: web-team
    criticality: high
    tags: [dmz, pci]
    os: Ubuntu 22.04
  - hostname: dc01.corp.example
    ip: 10.0.0.10
    owner: it-ops
    criticality: critical
    tags: [ad]
  - ip: 10.20.0.0/16
    owner: web-team
    criticality: medium
    tags: [dmz]
  - hostname: printer-3f
    ip: 10.50.3.7
    owner: facilities
    criticality: low
"""


@pytest.fixture
def yaml_file(tmp_path: Path) -> Path:
    path = tmp_path / "assets.yaml"
    path.write_text(YAML)
    return path


def run(action: str, params: dict[str, Any], path: Path | None = None) -> Any:
    creds = {"path": str(path)} if path else {}
    return run_action(inventory.app, action, params, creds)


def test_lookup_by_exact_ip_beats_the_network(yaml_file: Path) -> None:
    result = run("lookup", {"ip": "10.20.0.5"}, yaml_file)
    assert result["found"] and result["criticality"] == "high" and result["owner"] == "web-team"
    assert [a["hostname"] for a in result["assets"]] == ["web01.corp.example"]
    assert result["assets"][0]["os"] == "Ubuntu 22.04"


def test_lookup_falls_back_to_the_network(yaml_file: Path) -> None:
    result = run("lookup", {"ip": "10.20.9.9"}, yaml_file)
    assert result["found"] and result["criticality"] == "medium"
    assert result["assets"][0]["ip"] == "10.20.0.0/16"


def test_lookup_unknown_ip(yaml_file: Path) -> None:
    assert run("lookup", {"ip": "192.0.2.1"}, yaml_file) == {
        "found": False,
        "criticality": None,
        "owner": None,
        "assets": [],
    }


def test_lookup_by_short_hostname_or_fqdn(yaml_file: Path) -> None:
    assert run("lookup", {"hostname": "DC01"}, yaml_file)["criticality"] == "critical"
    assert run("lookup", {"hostname": "dc01.corp.example."}, yaml_file)["found"]
    assert not run("lookup", {"hostname": "dc01.other.example"}, yaml_file)["found"]


def test_lookup_needs_a_key_and_a_valid_ip(yaml_file: Path) -> None:
    with pytest.raises(ActionError):
        run("lookup", {}, yaml_file)
    with pytest.raises(ActionError) as caught:
        run("lookup", {"ip": "10.0.0.300"}, yaml_file)
    assert caught.value.error_type == "params"


def test_find_assets(yaml_file: Path) -> None:
    by_owner = run("find_assets", {"owner": "Web-Team"}, yaml_file)
    by_tag = run("find_assets", {"tag": "pci"}, yaml_file)
    critical = run("find_assets", {"min_criticality": "high"}, yaml_file)
    assert by_owner["count"] == 2 and by_tag["count"] == 1
    assert {a["hostname"] for a in critical["assets"]} == {
        "web01.corp.example",
        "dc01.corp.example",
    }


def test_json_file_inline_assets_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "assets.json"
    path.write_text(
        json.dumps([{"hostname": "vpn01", "ip": "192.168.1.1", "criticality": "critical"}])
    )
    inline = [{"hostname": "lab", "ip": "172.16.5.5"}]
    result = run("list_assets", {"assets": inline}, path)
    assert result["count"] == 2
    assert result["by_criticality"] == {"low": 0, "medium": 1, "high": 0, "critical": 1}


def test_file_changes_are_picked_up(tmp_path: Path) -> None:
    path = tmp_path / "assets.json"
    path.write_text(json.dumps([{"hostname": "a", "ip": "10.0.0.1"}]))
    assert run("list_assets", {}, path)["count"] == 1
    path.write_text(json.dumps([{"hostname": "a", "ip": "10.0.0.1"}, {"hostname": "b"}]))
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert run("list_assets", {}, path)["count"] == 2


def test_invalid_assets_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "assets.yaml"
    path.write_text("- {hostname: a, criticality: extreme}\n- {hostname: b, ip: not-an-ip}\n")
    with pytest.raises(ActionError) as caught:
        run("list_assets", {}, path)
    message = str(caught.value)
    assert "assets.yaml[0]" in message and "assets.yaml[1]" in message


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(ActionError) as caught:
        run("list_assets", {}, tmp_path / "nope.yaml")
    assert caught.value.error_type == "credential"

    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ActionError) as caught:
        run("list_assets", {}, broken)
    assert caught.value.error_type == "credential"


def test_inline_only_without_file() -> None:
    result = run("lookup", {"hostname": "lab", "assets": [{"hostname": "lab.corp", "owner": "rd"}]})
    assert result["owner"] == "rd" and result["criticality"] == "medium"


def test_invalid_inline_assets_are_a_params_problem() -> None:
    with pytest.raises(ParamsInvalid) as caught:
        run("list_assets", {"assets": [{"hostname": "x", "criticality": "extreme"}]})
    assert caught.value.problems[0].path == "params.assets"
    assert "assets[0].criticality" in caught.value.problems[0].message
