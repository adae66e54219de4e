"""The reference scenario end to end through the HTTP API, fed with real Wazuh alerts.

Every alert of ``../shared/fixtures/wazuh/alerts`` is posted to the webhook of
``examples/failed-ssh-login.yaml`` twice: as the raw alert (a custom integration) and as the
message Wazuh's built-in Shuffle integration builds from it. TheHive and Discord are the local
stand-ins, reached through credentials created with the credentials API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.support.api import steps_by_id, wait_execution
from tests.support.stack import BY_DATABASE, make_settings, running_api

from threatflow import standins
from threatflow.standins import DiscordStandIn, TheHiveStandIn

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "failed-ssh-login.yaml"
ALERTS = ROOT / ".." / "shared" / "fixtures" / "wazuh" / "alerts"
HIVE_KEY = "scenario-hive-key"
MASK = "********"


def _alert_params() -> list[Any]:
    files = sorted(ALERTS.glob("*.json")) if ALERTS.is_dir() else []
    if not files:
        reason = f"Wazuh alert fixtures not found at {ALERTS.resolve()}"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-fixtures")]
    return [pytest.param(path, id=path.stem) for path in files]


def raw_alert(path: Path) -> dict[str, Any]:
    """The alert as Wazuh writes it; indexer documents wrap it in ``_source``."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if "_indexer_doc_" in path.name:
        source: dict[str, Any] = document["_source"]
        return source
    return document


def shuffle_message(alert: dict[str, Any]) -> dict[str, Any]:
    """The body Wazuh's ``integrations/shuffle.py`` posts for ``alert``."""
    level = int(alert["rule"]["level"])
    return {
        "severity": 1 if level <= 4 else 2 if level <= 7 else 3,
        "pretext": "WAZUH Alert",
        "title": alert["rule"].get("description", "N/A"),
        "text": alert.get("full_log"),
        "rule_id": alert["rule"]["id"],
        "timestamp": alert["timestamp"],
        "id": alert["id"],
        "all_fields": alert,
    }


def header(record: dict[str, Any], name: str) -> str | None:
    return next((v for k, v in record["headers"].items() if k.lower() == name.lower()), None)


@dataclass
class Scenario:
    """The app with the example workflow imported and its credentials stored."""

    api: Any
    hook_path: str
    ssh_rules: set[str]

    def fire(self, payload: Any) -> dict[str, Any]:
        response = self.api.post(self.hook_path, content=json.dumps(payload),
                                 headers={"Content-Type": "application/json"})
        assert response.status_code == 202, response.text
        return wait_execution(self.api, response.json()["execution_id"])

    def point_at(self, hive: TheHiveStandIn, discord: DiscordStandIn) -> None:
        """Re-point the stored credentials; the masked API key must be kept as it is."""
        updated = self.api.put("/api/v1/credentials/thehive",
                               json={"fields": {"url": hive.url, "api_key": MASK}})
        assert updated.status_code == 200, updated.text
        assert updated.json()["fields"] == {"url": hive.url, "api_key": MASK}
        updated = self.api.put("/api/v1/credentials/discord",
                               json={"fields": {"webhook_url": discord.webhook_url}})
        assert updated.status_code == 200, updated.text


@pytest.fixture(scope="module", params=BY_DATABASE)
def scenario(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    settings = make_settings(tmp_path_factory.mktemp("scenario"), request.param)
    with (running_api(settings) as api,
          standins.thehive_standin(api_key=HIVE_KEY) as hive,
          standins.discord_standin() as discord):
        for name, app, fields in (
            ("thehive", "thehive", {"url": hive.url, "api_key": HIVE_KEY}),
            ("discord", "discord", {"webhook_url": discord.webhook_url}),
        ):
            created = api.post("/api/v1/credentials",
                               json={"name": name, "app": app, "fields": fields})
            assert created.status_code == 201, created.text
        imported = api.post("/api/v1/workflows/import", content=EXAMPLE.read_bytes())
        assert imported.status_code == 201, imported.text
        hook = imported.json()["hooks"][0]
        assert hook["url"].endswith(f"/api/v1/hooks/{hook['hook_id']}")
        rules = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["vars"]["ssh_rules"]
        yield Scenario(api, f"/api/v1/hooks/{hook['hook_id']}", {str(r) for r in rules})


@pytest.fixture
def stand_ins(scenario: Scenario) -> Iterator[tuple[TheHiveStandIn, DiscordStandIn]]:
    """Fresh stand-ins for one test, so alerts of earlier tests are not duplicates here."""
    with (standins.thehive_standin(api_key=HIVE_KEY) as hive,
          standins.discord_standin() as discord):
        scenario.point_at(hive, discord)
        yield hive, discord


def check_thehive_alert(hive: TheHiveStandIn, alert: dict[str, Any]) -> dict[str, Any]:
    """The one alert TheHive received, checked field by field; returns TheHive's answer."""
    posts = [r for r in hive.requests if (r["method"], r["path"]) == ("POST", "/api/v1/alert")]
    assert len(posts) == 1, hive.requests
    assert posts[0]["status"] == 201 and header(posts[0], "Authorization") == f"Bearer {HIVE_KEY}"
    body, rule, data = posts[0]["body"], alert["rule"], alert.get("data", {})
    assert body["sourceRef"] == f"wazuh-{alert['id']}"
    assert (body["type"], body["source"]) == ("wazuh", "threatflow")
    assert body["title"] == rule["description"]
    assert body["severity"] == (3 if int(rule["level"]) >= 10 else 2)
    assert f"rule:{rule['id']}" in body["tags"]
    for fact in (alert["full_log"], alert["agent"]["name"], alert["timestamp"]):
        assert fact in body["description"]
    source_ip = [{"dataType": "ip", "data": data["srcip"], "tags": ["src"]}]
    assert body.get("observables", []) == (source_ip if "srcip" in data else [])
    (stored,) = hive.service.alerts.values()
    assert stored["sourceRef"] == body["sourceRef"]
    return stored


def check_discord_message(discord: DiscordStandIn, alert: dict[str, Any], hive_id: str) -> None:
    posts = [r for r in discord.requests if r["method"] == "POST"]
    assert len(posts) == 1 and posts[0]["status"] in (200, 204), discord.requests
    content = posts[0]["body"]["content"]
    data = alert.get("data", {})
    source = f"{data.get('srcip', 'unknown')} port {data.get('srcport', 'unknown')}"
    assert source in content, content
    assert f"TheHive alert {hive_id}" in content and f"rule {alert['rule']['id']}" in content
    assert [m["content"] for m in discord.service.messages] == [content]


def test_the_fixtures_exercise_both_branches(scenario: Scenario) -> None:
    rules = {raw_alert(p)["rule"]["id"] for p in sorted(ALERTS.glob("*.json"))}
    if not rules:
        pytest.skip(f"Wazuh alert fixtures not found at {ALERTS.resolve()}")
    assert {"5710", "5716"} <= rules & scenario.ssh_rules
    assert rules - scenario.ssh_rules, "no alert that the workflow's `when` excludes"


@pytest.mark.parametrize("form", ["raw", "shuffle"])
@pytest.mark.parametrize("path", _alert_params())
def test_every_wazuh_alert(scenario: Scenario, stand_ins: tuple[TheHiveStandIn, DiscordStandIn],
                           path: Path, form: str) -> None:
    hive, discord = stand_ins
    alert = raw_alert(path)
    view = scenario.fire(alert if form == "raw" else shuffle_message(alert))
    steps = steps_by_id(view)
    assert view["status"] == "succeeded", view
    assert view["source"] == "webhook" and steps["alert"]["output"] == alert
    if alert["rule"]["id"] not in scenario.ssh_rules:
        assert [steps[s]["status"] for s in ("alert", "create_alert", "notify")] == [
            "succeeded", "skipped", "skipped"]
        assert hive.requests == [] and discord.requests == []
        return
    assert [(s["step_id"], s["status"]) for s in view["steps"]] == [
        (s, "succeeded") for s in ("alert", "create_alert", "notify")], view
    stored = check_thehive_alert(hive, alert)
    created = steps["create_alert"]["output"]
    assert created["_id"] == stored["_id"] and created["duplicate"] is False
    check_discord_message(discord, alert, stored["_id"])


def test_retrying_an_alert_does_not_duplicate_it(
        scenario: Scenario, stand_ins: tuple[TheHiveStandIn, DiscordStandIn]) -> None:
    hive, discord = stand_ins
    paths = sorted(ALERTS.glob("*rule5716*.json"))
    if not paths:
        pytest.skip(f"Wazuh alert fixtures not found at {ALERTS.resolve()}")
    alert = raw_alert(paths[0])
    first = scenario.fire(alert)
    again = scenario.fire(shuffle_message(alert))  # the same alert, through the other door
    rerun = scenario.api.post(f"/api/v1/executions/{first['id']}/rerun",
                              json={"from_step": "create_alert"})
    assert rerun.status_code == 202, rerun.text
    replayed = wait_execution(scenario.api, rerun.json()["execution_id"])

    results = [steps_by_id(v)["create_alert"]["output"] for v in (first, again, replayed)]
    assert all(v["status"] == "succeeded" for v in (first, again, replayed))
    assert [r["duplicate"] for r in results] == [False, True, True]
    assert len({r["_id"] for r in results}) == 1 and len(hive.service.alerts) == 1
    assert steps_by_id(replayed)["alert"]["reused"] is True
    notices = [m["content"] for m in discord.service.messages]
    assert len(notices) == 3 and all(results[0]["_id"] in n for n in notices)
