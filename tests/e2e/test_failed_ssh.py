"""The analyst's main path: build the failed-SSH workflow on the canvas, fire it, read it.

Sign in, drag three actions from the palette (tools.repeat_back, thehive.create_alert,
discord.send_message) and connect them, fill their forms, save, fire the webhook with httpx,
watch the execution turn green, and open a step's result. TheHive and Discord are the local
stand-ins from ``threatflow.standins``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.browser import Server, screenshot, sign_in

from threatflow.standins import DiscordStandIn, TheHiveStandIn, discord_standin, thehive_standin

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hive() -> Iterator[TheHiveStandIn]:
    with thehive_standin() as standin:
        yield standin


@pytest.fixture(scope="module")
def discord() -> Iterator[DiscordStandIn]:
    with discord_standin() as standin:
        yield standin


@pytest.fixture(scope="module")
def credentials(server: Server, hive: TheHiveStandIn, discord: DiscordStandIn) -> None:
    server.api(
        "POST",
        "/credentials",
        json={"name": "thehive", "app": "thehive", "fields": hive.credentials},
    )
    server.api(
        "POST",
        "/credentials",
        json={"name": "discord", "app": "discord", "fields": {"webhook_url": discord.webhook_url}},
    )


def drop_action(page: Any, action: str, x: float, y: float) -> None:
    """Drag an action from the palette onto the canvas at (x, y) inside the canvas."""
    page.get_by_test_id("palette-search").fill(action.split(".")[1].replace("_", " "))
    source = page.get_by_test_id(f"palette-{action}")
    source.drag_to(page.get_by_test_id("designer-canvas"), target_position={"x": x, "y": y})


def connect(page: Any, source: str, target: str) -> None:
    """Draw an edge from a step's bottom handle to another step's top handle."""
    start = page.get_by_test_id(f"handle-out-{source}").bounding_box()
    end = page.get_by_test_id(f"handle-in-{target}").bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()


def select_node(page: Any, node_id: str) -> None:
    page.get_by_test_id(f"node-{node_id}").click()
    expect(page.get_by_test_id("step-id")).to_have_value(node_id)


def fill_param(page: Any, name: str, value: str) -> None:
    field = page.get_by_test_id(f"param-{name}")
    field.fill(value)
    field.press("Escape")


def build_workflow(page: Any) -> None:
    page.get_by_test_id("create-workflow").click()
    expect(page.get_by_test_id("trigger-webhook")).to_be_visible()
    page.get_by_test_id("workflow-name").fill("Failed SSH login")
    canvas = page.get_by_test_id("designer-canvas").bounding_box()
    assert canvas
    # A row below the trigger, clear of the minimap in the bottom-right corner.
    row = canvas["height"] * 0.66
    drop_action(page, "tools.repeat_back", canvas["width"] * 0.17, row)
    drop_action(page, "thehive.create_alert", canvas["width"] * 0.45, row)
    drop_action(page, "discord.send_message", canvas["width"] * 0.73, row)
    for step in ("repeat_back", "create_alert", "send_message"):
        expect(page.get_by_test_id(f"node-{step}")).to_be_visible()
    connect(page, "repeat_back", "create_alert")
    connect(page, "create_alert", "send_message")


def fill_forms(page: Any) -> None:
    select_node(page, "repeat_back")
    fill_param(page, "value", "{{ trigger }}")

    select_node(page, "create_alert")
    expect(page.get_by_test_id("need-repeat_back")).to_be_visible()
    page.get_by_test_id("step-credential").select_option("thehive")
    fill_param(page, "title", "SSH brute force from {{ trigger.srcip }}")
    fill_param(page, "description", "Wazuh rule {{ trigger.rule_id }}: {{ trigger.full_log }}")
    fill_param(page, "type", "wazuh")
    fill_param(page, "source", "threatflow")
    fill_param(page, "sourceRef", "{{ execution.id }}")
    when = page.get_by_test_id("step-when")
    when.fill("trigger.rule_id in ['5710', '5716']")
    when.press("Escape")

    select_node(page, "send_message")
    expect(page.get_by_test_id("need-create_alert")).to_be_visible()
    page.get_by_test_id("step-credential").select_option("discord")
    fill_param(
        page, "content", "TheHive alert {{ steps.create_alert.result._id }} for {{ trigger.srcip }}"
    )


def save(page: Any, note: str, revision: int) -> None:
    page.get_by_test_id("save-message").fill(note)
    page.get_by_test_id("save-workflow").click()
    expect(page.get_by_test_id("designer-revision")).to_have_text(f"rev {revision}")
    expect(page.get_by_test_id("save-state")).to_have_text("saved")


def webhook_url(page: Any) -> str:
    page.get_by_test_id("trigger-webhook").click()
    field = page.get_by_test_id("webhook-url")
    expect(field).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/api/v1/hooks/"))
    url: str = field.input_value()
    return url


@pytest.mark.usefixtures("credentials")
def test_build_fire_and_inspect_failed_ssh_workflow(
    page: Any, server: Server, hive: TheHiveStandIn, discord: DiscordStandIn
) -> None:
    sign_in(page, "/workflows")
    build_workflow(page)
    fill_forms(page)
    expect(page.get_by_test_id("validation-state")).to_have_text("valid", timeout=10_000)
    save(page, "Failed SSH login, first version", revision=2)
    page.get_by_test_id("auto-layout").click()
    save(page, "Tidy layout", revision=3)
    select_node(page, "create_alert")
    expect(page.get_by_test_id("toast-success")).to_have_count(0, timeout=10_000)
    screenshot(page, "designer")

    url = webhook_url(page)
    payload = {"rule_id": "5710", "srcip": "203.0.113.7", "full_log": "Failed password for root"}
    response = httpx.post(url, json=payload, timeout=10)
    assert response.status_code == 202, response.text
    execution_id = response.json()["execution_id"]

    page.get_by_test_id("nav-executions").click()
    row = page.locator(f"[data-testid=execution-row][data-execution-id='{execution_id}']")
    expect(row).to_be_visible()
    row.click()
    detail = page.get_by_test_id("execution-detail")
    expect(detail).to_have_attribute("data-status", "succeeded", timeout=20_000)
    for step in ("repeat_back", "create_alert", "send_message"):
        expect(page.get_by_test_id(f"node-status-{step}")).to_have_text("succeeded")
        expect(page.get_by_test_id(f"step-row-{step}")).to_have_attribute(
            "data-status", "succeeded"
        )

    page.get_by_test_id("open-step-create_alert").click()
    result = page.get_by_test_id("step-result-body")
    expect(result).to_contain_text("SSH brute force from 203.0.113.7")
    alert_id = next(iter(hive.service.alerts))
    expect(result).to_contain_text(alert_id)
    expect(page.get_by_test_id("step-input-body")).to_contain_text("threatflow")
    page.get_by_test_id("step-result-search").fill("sourceRef")
    expect(result.locator(".json-match").first).to_be_visible()
    page.get_by_test_id("step-result-search").fill("")
    screenshot(page, "execution", height=1280)

    posted = [r for r in discord.requests if r["method"] == "POST"]
    assert posted, "Discord received no message"
    assert alert_id in posted[-1]["body"]["content"]


@pytest.mark.usefixtures("credentials")
def test_condition_false_skips_the_alert(page: Any, server: Server, hive: TheHiveStandIn) -> None:
    definition = {
        "name": "Skip other rules",
        "triggers": [{"id": "webhook", "type": "webhook"}],
        "steps": [
            {
                "id": "echo",
                "app": "tools",
                "action": "repeat_back",
                "params": {"value": "{{ trigger }}"},
            },
            {
                "id": "create_alert",
                "app": "thehive",
                "action": "create_alert",
                "credential": "thehive",
                "needs": ["echo"],
                "when": "trigger.rule_id in ['5710', '5716']",
                "params": {
                    "title": "t",
                    "description": "d",
                    "type": "wazuh",
                    "source": "s",
                    "sourceRef": "{{ execution.id }}",
                },
            },
        ],
    }
    workflow = server.api("POST", "/workflows", json={"definition": definition})
    before = len(hive.service.alerts)
    hook = workflow["hooks"][0]["url"]
    execution_id = httpx.post(hook, json={"rule_id": "1002"}, timeout=10).json()["execution_id"]
    sign_in(page, f"/executions/{execution_id}")
    expect(page.get_by_test_id("execution-detail")).to_have_attribute(
        "data-status", "succeeded", timeout=20_000
    )
    expect(page.get_by_test_id("node-status-create_alert")).to_have_text("skipped")
    assert len(hive.service.alerts) == before
