"""The case-management, communication, network and eradication apps as the catalog sees them."""

from __future__ import annotations

import json

import pytest

from threatflow.apps.registry import load_builtin
from threatflow.apps.sdk import App, Category

EXPECTED = {
    Category.CASE_MANAGEMENT: {"jira", "github", "servicenow"},
    Category.COMMUNICATION: {"teams", "telegram", "mattermost", "sms"},
    Category.NETWORK: {"opnsense", "pfsense", "fortigate", "panos", "nftables"},
    Category.ERADICATION: {"crowdstrike", "defender", "velociraptor", "ssh", "wazuh_response"},
}
OURS = {name for names in EXPECTED.values() for name in names}
SECRET_WORDS = ("password", "secret", "token", "passphrase", "private_key", "webhook_url")
URL_FIELDS = {"base_url", "url", "api_url", "webhook_url", "host"}


@pytest.fixture(scope="module")
def apps() -> dict[str, App]:
    return {app.name: app for app in load_builtin() if app.name in OURS}


def test_every_app_is_discovered_in_its_category(apps: dict[str, App]) -> None:
    assert set(apps) == OURS
    for category, names in EXPECTED.items():
        assert {name for name, app in apps.items() if app.category == category} == names


def test_secrets_are_marked_and_every_app_can_point_elsewhere(apps: dict[str, App]) -> None:
    for app in apps.values():
        names = {f.name for f in app.credential_fields}
        assert names & URL_FIELDS, f"{app.name} has no URL or host field"
        for field in app.credential_fields:
            if any(word in field.name for word in SECRET_WORDS):
                assert field.secret, f"{app.name}.{field.name} must be secret"


def test_network_apps_have_matching_block_and_unblock(apps: dict[str, App]) -> None:
    for name in EXPECTED[Category.NETWORK]:
        actions = set(apps[name].actions)
        blocks = {a for a in actions if a.startswith("block_")}
        assert blocks, name
        assert {"un" + a for a in blocks} <= actions, name


def test_descriptions_render_as_json(apps: dict[str, App]) -> None:
    for app in apps.values():
        described = json.loads(json.dumps(app.describe()))
        assert described["description"]
        assert described["docs_url"] or app.name == "sms"  # a generic gateway has no vendor docs
        for action in described["actions"]:
            assert action["description"], f"{app.name}.{action['name']} has no description"
            assert action["params_schema"]["type"] == "object"
        assert "test_connection" in app.actions or app.name in {"teams", "sms"}
