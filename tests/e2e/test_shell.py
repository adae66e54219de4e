"""Sign-in, the workflows list, live executions, apps and credentials screens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.browser import ADMIN_PASSWORD, Server, sign_in

from threatflow.standins import TheHiveStandIn, thehive_standin

pytestmark = pytest.mark.e2e

YAML_WORKFLOW = """\
format: 1
name: Imported from YAML
triggers:
  - {id: webhook, type: webhook}
steps:
  - id: echo
    app: tools
    action: repeat_back
    params: {value: "{{ trigger }}"}
"""


@pytest.fixture(scope="module")
def hive() -> Iterator[TheHiveStandIn]:
    with thehive_standin(api_key="shell-key") as standin:
        yield standin


def test_sign_in_survives_reload_and_sign_out_ends_it(page: Any, server: Server) -> None:
    page.goto("/workflows")
    page.get_by_test_id("login-password").fill("wrong password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("error-box")).to_be_visible()

    page.get_by_test_id("login-password").fill(ADMIN_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("workflows-page")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("current-user")).to_have_text("admin")
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.goto("/executions")
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_import_search_duplicate_disable_and_delete(page: Any, server: Server) -> None:
    sign_in(page, "/workflows")
    page.get_by_test_id("import-workflow").click()
    page.get_by_test_id("import-text").fill(YAML_WORKFLOW)
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("node-echo")).to_be_visible()
    page.get_by_test_id("nav-workflows").click()

    page.get_by_test_id("workflow-search").fill("Imported from")
    rows = page.get_by_test_id("workflow-row")
    expect(rows).to_have_count(1)
    rows.first.get_by_test_id("workflow-duplicate").click()
    expect(rows).to_have_count(2)
    copy = rows.filter(has_text="(copy)")
    copy.get_by_test_id("workflow-enabled").click()
    expect(copy.get_by_test_id("workflow-enabled")).not_to_be_checked()
    copy.get_by_test_id("workflow-delete").click()
    page.get_by_test_id("confirm-ok").click()
    expect(rows).to_have_count(1)
    names = [w["name"] for w in server.api("GET", "/workflows", params={"q": "Imported"})["items"]]
    assert names == ["Imported from YAML"]


def test_new_executions_appear_live_and_filters_apply(page: Any, server: Server) -> None:
    definition = {
        "name": "Live list",
        "triggers": [{"id": "webhook", "type": "webhook"}],
        "steps": [{"id": "echo", "app": "tools", "action": "repeat_back", "params": {"value": 1}}],
    }
    workflow = server.api("POST", "/workflows", json={"definition": definition})
    sign_in(page, f"/executions?workflow_id={workflow['id']}")
    expect(page.get_by_test_id("executions-empty")).to_be_visible()
    expect(page.get_by_test_id("live-indicator")).to_contain_text("live")

    response = httpx.post(workflow["hooks"][0]["url"], json={"n": 1}, timeout=10)
    execution_id = response.json()["execution_id"]
    row = page.locator(f"[data-testid=execution-row][data-execution-id='{execution_id}']")
    expect(row).to_have_attribute("data-status", "succeeded", timeout=15_000)
    expect(row).to_contain_text("webhook")

    page.get_by_test_id("filter-status").select_option("failed")
    expect(page.get_by_test_id("executions-empty")).to_be_visible()
    page.get_by_test_id("filter-status").select_option("succeeded")
    expect(row).to_be_visible()


def test_app_catalog_documents_actions(page: Any, server: Server) -> None:
    sign_in(page, "/apps")
    page.get_by_test_id("apps-search").fill("thehive")
    card = page.get_by_test_id("app-thehive")
    expect(card).to_be_visible()
    action = card.get_by_test_id("action-thehive.create_alert")
    action.locator("summary").click()
    expect(action).to_contain_text("sourceRef")
    expect(page.get_by_test_id("category-Case Management")).to_be_visible()


def test_credential_secrets_are_write_only(page: Any, server: Server, hive: TheHiveStandIn) -> None:
    sign_in(page, "/credentials")
    page.get_by_test_id("create-credential").click()
    dialog = page.get_by_test_id("credential-dialog")
    dialog.get_by_test_id("credential-app").select_option("thehive")
    dialog.get_by_test_id("credential-name").fill("hive-ui")
    dialog.get_by_test_id("credential-field-url").fill(hive.url)
    dialog.get_by_test_id("credential-field-api_key").fill("shell-key")
    dialog.get_by_test_id("credential-field-organisation").fill(hive.credentials["organisation"])
    dialog.get_by_test_id("credential-save").click()

    row = page.locator("[data-testid=credential-row][data-credential='hive-ui']")
    expect(row).to_contain_text("api_key=********")
    expect(row).not_to_contain_text("shell-key")
    stored = server.api("GET", "/credentials")["items"]
    assert next(c for c in stored if c["name"] == "hive-ui")["fields"]["api_key"] == "********"

    row.get_by_test_id("credential-edit").click()
    dialog = page.get_by_test_id("credential-dialog")
    expect(dialog.get_by_test_id("credential-field-api_key")).to_have_value("")
    dialog.get_by_test_id("credential-field-url").fill(hive.url + "/")
    dialog.get_by_test_id("credential-save").click()
    expect(dialog).to_have_count(0)

    row.get_by_test_id("credential-test").click()
    expect(row.get_by_test_id("credential-test-result")).to_contain_text(re.compile("✔"))
