"""The asset inventory through the real API, on SQLite and PostgreSQL, a workflow step
that finds an asset created through it, and the ``threatflow assets`` commands."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.api import create, steps_by_id, wait_execution
from typer.testing import CliRunner

from threatflow.cli import main as cli

pytestmark = pytest.mark.integration

URL = "/api/v1/assets"
WEB01 = {"hostname": "web01.corp.example", "ip": "10.20.0.5", "owner": "web-team",
         "criticality": "high", "tags": ["dmz"], "attributes": {"os": "Ubuntu 22.04"}}


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] and body["message"], body
    return body


def test_create_read_update_delete(api: Any) -> None:
    created = api.post(URL, json=WEB01)
    assert created.status_code == 201, created.text
    asset = created.json()
    assert {k: asset[k] for k in WEB01} == WEB01
    assert asset["id"] and asset["created_at"].endswith("Z")

    assert api.get(f"{URL}/{asset['id']}").json() == asset
    changed = api.put(f"{URL}/{asset['id']}", json={**WEB01, "criticality": "critical"})
    assert changed.status_code == 200 and changed.json()["criticality"] == "critical"
    assert api.get(URL, params={"min_criticality": "critical"}).json()["total"] == 1

    assert api.delete(f"{URL}/{asset['id']}").status_code == 204
    error(api.get(f"{URL}/{asset['id']}"), 404)
    error(api.delete(f"{URL}/{asset['id']}"), 404)
    error(api.put(f"{URL}/nope", json=WEB01), 404)


@pytest.mark.parametrize(("body", "path"), [
    ({**WEB01, "ip": "10.0.0.300"}, "body.ip"),
    ({**WEB01, "criticality": "extreme"}, "body.criticality"),
    ({**WEB01, "color": "red"}, "body.color"),
    ({"owner": "nobody"}, "body"),
])
def test_bad_assets_are_refused_naming_the_field(api: Any, body: dict[str, Any],
                                                 path: str) -> None:
    answer = error(api.post(URL, json=body), 422)
    assert answer["message"].startswith(f"{path}: ")
    assert api.get(URL).json()["total"] == 0


def test_bad_queries_name_the_parameter(api: Any) -> None:
    assert "min_criticality" in error(api.get(URL, params={"min_criticality": "x"}),
                                      422)["message"]
    assert error(api.get(URL, params={"limit": 0}), 400)["message"].startswith("limit: ")
    assert error(api.get(f"{URL}/lookup", params={"ip": "nope"}), 400)["message"].startswith(
        "ip: ")
    assert "ip" in error(api.get(f"{URL}/lookup"), 400)["message"]
    assert "mode" in error(api.post(f"{URL}/import", params={"mode": "x"}, json=[]),
                           422)["message"]


def test_every_route_needs_the_token(api: Any) -> None:
    anonymous = {"Authorization": ""}
    for method, path in [("GET", URL), ("POST", URL), ("GET", f"{URL}/x"), ("PUT", f"{URL}/x"),
                         ("DELETE", f"{URL}/x"), ("POST", f"{URL}/import"),
                         ("GET", f"{URL}/lookup?ip=10.0.0.1")]:
        error(api.request(method, path, headers=anonymous, json=WEB01), 401)


def test_import_json_then_yaml_and_look_up(api: Any) -> None:
    first = api.post(f"{URL}/import", json={"assets": [
        WEB01, {"ip": "10.20.0.0/16", "owner": "dmz-team", "criticality": "medium"},
        {"hostname": "dc01.corp.example", "ip": "10.0.0.10", "criticality": "critical"},
    ]})
    assert first.status_code == 200, first.text
    assert first.json() == {"mode": "merge", "created": 3, "updated": 0, "deleted": 0,
                            "total": 3}
    yaml_text = "- hostname: WEB01.corp.example\n  owner: platform\n  rack: 7\n"
    merged = api.post(f"{URL}/import", content=yaml_text,
                      headers={"Content-Type": "application/yaml"})
    assert merged.json()["updated"] == 1 and merged.json()["total"] == 3

    exact = api.get(f"{URL}/lookup", params={"ip": "10.20.0.5"}).json()
    assert exact["found"] and exact["owner"] == "platform" and exact["criticality"] == "high"
    assert exact["assets"][0]["attributes"] == {"os": "Ubuntu 22.04", "rack": 7}
    network = api.get(f"{URL}/lookup", params={"ip": "10.20.7.7"}).json()
    assert network["owner"] == "dmz-team"
    assert api.get(f"{URL}/lookup", params={"hostname": "DC01"}).json()["criticality"] == (
        "critical")
    assert api.get(f"{URL}/lookup", params={"ip": "192.0.2.1"}).json() == {
        "found": False, "criticality": None, "owner": None, "assets": []}
    assert [a["hostname"] for a in api.get(URL, params={"q": "corp"}).json()["items"]] == [
        "dc01.corp.example", "WEB01.corp.example"]  # the merged entry's spelling

    replaced = api.post(f"{URL}/import", params={"mode": "replace"},
                        content="assets:\n  - {hostname: only, ip: 192.0.2.9}\n",
                        headers={"Content-Type": "text/yaml"})
    assert replaced.json() == {"mode": "replace", "created": 1, "updated": 0, "deleted": 3,
                               "total": 1}


def test_a_bad_import_names_every_entry_and_writes_nothing(api: Any) -> None:
    api.post(URL, json=WEB01)
    bad = [{"hostname": "a", "ip": "10.0.0.1"}, {"hostname": "b", "ip": "x"},
           {"hostname": "c", "criticality": "extreme"}]
    message = error(api.post(f"{URL}/import", params={"mode": "replace"}, json=bad),
                    400)["message"]
    assert "assets[1].ip" in message and "assets[2].criticality" in message
    assert "assets[0]" not in message
    assert [a["hostname"] for a in api.get(URL).json()["items"]] == [WEB01["hostname"]]

    broken = api.post(f"{URL}/import", content="- [oops", headers={"Content-Type": "text/yaml"})
    assert error(broken, 400)["message"].startswith("body: not YAML: ")
    sniffed = api.post(f"{URL}/import", content="- [oops", headers={"Content-Type": ""})
    assert error(sniffed, 400)["message"].startswith("body: not JSON or YAML: ")
    assert error(api.post(f"{URL}/import", content="{", headers={
        "Content-Type": "application/json"}), 400)["message"].startswith("body: not JSON")
    error(api.post(f"{URL}/import", content=""), 400)


def test_a_workflow_step_finds_an_asset_created_through_the_api(api: Any) -> None:
    wf = create(api, {"name": "Enrich", "triggers": [{"id": "hook", "type": "webhook"}],
                      "steps": [{"id": "asset", "app": "inventory", "action": "lookup",
                                 "params": {"ip": "{{ trigger.ip }}"}}]})
    hook = f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}"

    def fire(ip: str) -> dict[str, Any]:
        response = api.post(hook, json={"ip": ip})
        assert response.status_code == 202, response.text
        view = wait_execution(api, response.json()["execution_id"])
        assert view["status"] == "succeeded", view
        output: dict[str, Any] = steps_by_id(view)["asset"]["output"]
        return output

    assert fire("10.20.0.5")["found"] is False
    asset = api.post(URL, json=WEB01).json()
    found = fire("10.20.0.5")
    assert found["found"] and found["owner"] == "web-team" and found["criticality"] == "high"
    assert found["assets"][0]["id"] == asset["id"]
    assert found["assets"][0]["os"] == "Ubuntu 22.04"


def test_cli_imports_and_lists_assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("THREATFLOW_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("THREATFLOW_DATA_DIR", str(tmp_path / "data"))
    good, bad = tmp_path / "assets.yaml", tmp_path / "bad.json"
    good.write_text("- {hostname: web01, ip: 10.20.0.5, owner: web, tags: [dmz]}\n"
                    "- {ip: 10.20.0.0/16, owner: net}\n")
    bad.write_text(json.dumps([{"hostname": "x", "ip": "bad"}, {"hostname": "y"},
                               {"hostname": "z", "criticality": "extreme"}]))
    runner = CliRunner()

    imported = runner.invoke(cli.app, ["assets", "import", str(good)])
    assert imported.exit_code == 0, imported.output
    assert "2 created, 0 updated, 0 deleted; 2 assets now" in imported.output
    refused = runner.invoke(cli.app, ["assets", "import", str(bad), "--replace"])
    assert refused.exit_code == 2
    assert "assets[0].ip" in refused.output and "assets[2].criticality" in refused.output
    missing = runner.invoke(cli.app, ["assets", "import", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    listed = runner.invoke(cli.app, ["assets", "list"])
    assert listed.exit_code == 0
    assert "web01" in listed.output and "10.20.0.0/16" in listed.output
    replaced = runner.invoke(cli.app, ["assets", "import", "-", "--replace"],
                             input='[{"hostname": "only", "ip": "192.0.2.1"}]')
    assert "1 created, 0 updated, 2 deleted; 1 assets now" in replaced.output
