"""Designer behaviour: revisions, validation on the node, unsaved changes, text view, editing."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.browser import Server, sign_in

pytestmark = pytest.mark.e2e

ALERT_PARAMS = {
    "title": "SSH brute force from {{ trigger.srcip }}",
    "description": "d",
    "type": "wazuh",
    "source": "threatflow",
    "sourceRef": "{{ execution.id }}",
}


def create_workflow(server: Server, name: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    definition = {"name": name, "triggers": [{"id": "webhook", "type": "webhook"}], "steps": steps}
    workflow: dict[str, Any] = server.api("POST", "/workflows", json={"definition": definition})
    return workflow


def echo_step(step_id: str = "echo", value: str = "first", **extra: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "app": "tools",
        "action": "repeat_back",
        "params": {"value": value},
        **extra,
    }


def open_designer(page: Any, workflow: dict[str, Any]) -> None:
    sign_in(page, f"/workflows/{workflow['id']}")
    expect(page.get_by_test_id("designer-canvas")).to_be_visible()
    expect(page.get_by_test_id("save-state")).to_have_text("saved")


def save(page: Any, note: str = "") -> None:
    page.get_by_test_id("save-message").fill(note)
    page.get_by_test_id("save-workflow").click()


def test_editing_a_step_creates_a_revision_that_can_be_restored(page: Any, server: Server) -> None:
    workflow = create_workflow(server, "Revisions", [echo_step()])
    open_designer(page, workflow)
    page.get_by_test_id("node-echo").click()
    page.get_by_test_id("param-value").fill("second")
    expect(page.get_by_test_id("save-state")).to_have_text("unsaved changes")
    save(page, "Say second")
    expect(page.get_by_test_id("designer-revision")).to_have_text("rev 2")

    page.get_by_test_id("open-revisions").click()
    dialog = page.get_by_test_id("revisions-dialog")
    newest = dialog.locator("[data-testid=revision-row][data-revision='2']")
    expect(newest).to_contain_text("Say second")
    expect(newest).to_contain_text("admin")
    first = dialog.locator("[data-testid=revision-row][data-revision='1']")
    first.get_by_test_id("revision-view").click()
    expect(dialog.get_by_test_id("revision-text")).to_contain_text("value: first")
    first.get_by_test_id("revision-restore").click()
    expect(page.get_by_test_id("designer-revision")).to_have_text("rev 3")
    page.get_by_test_id("node-echo").click()
    expect(page.get_by_test_id("param-value")).to_have_value("first")
    stored = server.api("GET", f"/workflows/{workflow['id']}")
    assert stored["revision"] == 3
    assert stored["definition"]["steps"][0]["params"]["value"] == "first"


def test_validation_problem_is_shown_on_the_node_and_saving_is_refused(
    page: Any, server: Server
) -> None:
    alert = {"id": "alert", "app": "thehive", "action": "create_alert", "params": ALERT_PARAMS}
    workflow = create_workflow(server, "Validation", [echo_step(), {**alert, "needs": ["echo"]}])
    open_designer(page, workflow)
    expect(page.get_by_test_id("validation-state")).to_have_text("valid")
    page.get_by_test_id("node-alert").click()
    page.get_by_test_id("param-title").fill("")

    node = page.get_by_test_id("node-alert")
    expect(node.get_by_test_id("node-problems")).to_be_visible()
    expect(page.get_by_test_id("field-error-params.title")).to_contain_text("required")
    expect(page.get_by_test_id("validation-state")).to_have_text(re.compile(r"1 problem"))
    expect(page.get_by_test_id("problem-item")).to_contain_text("steps[1].params.title")
    expect(page.get_by_test_id("node-echo").get_by_test_id("node-problems")).to_have_count(0)

    save(page, "broken")
    expect(page.get_by_test_id("toast-error")).to_be_visible()
    expect(page.get_by_test_id("save-state")).to_have_text("unsaved changes")
    expect(page.get_by_test_id("designer-revision")).to_have_text("rev 1")
    expect(page.get_by_test_id("param-title")).to_have_value("")
    assert server.api("GET", f"/workflows/{workflow['id']}")["revision"] == 1

    page.get_by_test_id("param-title").fill("Fixed title")
    expect(node.get_by_test_id("node-problems")).to_have_count(0)
    save(page, "fixed")
    expect(page.get_by_test_id("designer-revision")).to_have_text("rev 2")


def test_leaving_with_unsaved_changes_asks_first(page: Any, server: Server) -> None:
    workflow = create_workflow(server, "Unsaved", [echo_step()])
    open_designer(page, workflow)
    page.get_by_test_id("workflow-name").fill("Unsaved, renamed")
    page.get_by_test_id("nav-executions").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("confirm-cancel").click()
    expect(page.get_by_test_id("designer-title")).to_have_text("Unsaved, renamed")
    page.get_by_test_id("nav-executions").click()
    page.get_by_test_id("confirm-ok").click()
    expect(page.get_by_test_id("executions-page")).to_be_visible()


def test_yaml_view_and_canvas_stay_in_sync(page: Any, server: Server) -> None:
    workflow = create_workflow(server, "Text view", [echo_step()])
    open_designer(page, workflow)
    page.get_by_test_id("view-yaml").click()
    text = page.get_by_test_id("document-text")
    expect(text).to_have_value(re.compile(r"name: Text view"))
    yaml = text.input_value()
    text.fill(yaml.replace("name: Text view", "name: Renamed in YAML"))
    expect(page.get_by_test_id("designer-title")).to_have_text("Renamed in YAML")
    text.fill("steps: [unclosed")
    expect(page.get_by_test_id("document-error")).to_be_visible()
    expect(page.get_by_test_id("designer-title")).to_have_text("Renamed in YAML")
    page.get_by_test_id("view-json").click()
    expect(page.get_by_test_id("document-text")).to_have_value(
        re.compile(r'"name": "Renamed in YAML"')
    )
    page.get_by_test_id("view-canvas").click()
    expect(page.get_by_test_id("node-echo")).to_be_visible()


def test_delete_undo_redo_copy_and_paste(page: Any, server: Server) -> None:
    workflow = create_workflow(
        server, "Editing", [echo_step(), echo_step("second", "2", needs=["echo"])]
    )
    open_designer(page, workflow)
    page.get_by_test_id("node-second").click()
    page.keyboard.press("Delete")
    expect(page.get_by_test_id("node-second")).to_have_count(0)
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("node-second")).to_be_visible()
    page.get_by_test_id("redo").click()
    expect(page.get_by_test_id("node-second")).to_have_count(0)
    page.get_by_test_id("undo").click()

    page.get_by_test_id("node-echo").click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(page.get_by_test_id("node-echo_2")).to_be_visible()
    save(page, "pasted")
    expect(page.get_by_test_id("designer-revision")).to_have_text("rev 2")
    stored = server.api("GET", f"/workflows/{workflow['id']}")["definition"]
    assert sorted(s["id"] for s in stored["steps"]) == ["echo", "echo_2", "second"]


def test_an_edge_becomes_an_error_edge_with_a_condition(page: Any, server: Server) -> None:
    workflow = create_workflow(
        server, "Edges", [echo_step(), echo_step("second", "2", needs=["echo"])]
    )
    open_designer(page, workflow)
    edge = page.get_by_test_id("rf__edge-step:echo->step:second")
    start = page.get_by_test_id("handle-out-echo").bounding_box()
    end = page.get_by_test_id("handle-in-second").bounding_box()
    assert start and end
    page.mouse.click(
        (start["x"] + end["x"] + start["width"]) / 2, (start["y"] + end["y"] + end["height"]) / 2
    )
    panel = page.get_by_test_id("edge-panel")
    panel.get_by_test_id("edge-kind").select_option("failure")
    expect(edge).to_have_class(re.compile(r"edge-failure"))
    panel.get_by_test_id("edge-when").fill("trigger.retry == true")
    panel.get_by_test_id("edge-when").press("Escape")
    expect(edge).to_contain_text("on failure")
    save(page, "error edge")
    expect(page.get_by_test_id("designer-revision")).to_have_text("rev 2")
    second = server.api("GET", f"/workflows/{workflow['id']}")["definition"]["steps"][1]
    assert second["needs"] == [{"step": "echo", "on": "failure"}]
    assert second["when"] == "trigger.retry == true"


def test_run_from_the_designer_opens_the_execution(page: Any, server: Server) -> None:
    steps = [echo_step(value="{{ trigger.host }}")]
    definition = {
        "name": "Manual run",
        "triggers": [{"id": "manual", "type": "manual"}],
        "steps": steps,
    }
    workflow = server.api("POST", "/workflows", json={"definition": definition})
    open_designer(page, workflow)
    page.get_by_test_id("run-workflow").click()
    page.get_by_test_id("run-input").fill('{"host": "web-01"}')
    page.get_by_test_id("run-submit").click()
    detail = page.get_by_test_id("execution-detail")
    expect(detail).to_have_attribute("data-status", "succeeded", timeout=20_000)
    page.get_by_test_id("open-step-echo").click()
    expect(page.get_by_test_id("step-result-body")).to_contain_text("web-01")


def test_a_100_step_workflow_opens_and_pans(page: Any, server: Server) -> None:
    steps = [echo_step("s0")]
    steps += [echo_step(f"s{i}", str(i), needs=[f"s{i - 1}"]) for i in range(1, 100)]
    workflow = create_workflow(server, "Hundred steps", steps)
    sign_in(page, "/workflows")
    started = time.monotonic()
    page.goto(f"/workflows/{workflow['id']}")
    expect(page.locator(".react-flow__node").first).to_be_visible()
    opened = time.monotonic() - started
    assert opened < 8, f"a 100-step workflow took {opened:.1f}s to open"

    viewport = page.locator(".react-flow__viewport")
    before = viewport.get_attribute("style")
    box = page.get_by_test_id("designer-canvas").bounding_box()
    assert box
    x, y = box["x"] + 40, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 200, y - 300, steps=20)
    page.mouse.up()
    assert viewport.get_attribute("style") != before
    page.get_by_test_id("view-json").click()
    expect(page.get_by_test_id("document-text")).to_have_value(re.compile(r'"id": "s99"'))


def test_expressions_complete_from_the_last_execution(page: Any, server: Server) -> None:
    workflow = create_workflow(server, "Completion", [echo_step(value="{{ trigger }}")])
    payload = {"srcip": "198.51.100.4", "agent": {"name": "web-01"}}
    httpx.post(workflow["hooks"][0]["url"], json=payload, timeout=10).raise_for_status()
    open_designer(page, workflow)
    page.get_by_test_id("node-echo").click()
    field = page.get_by_test_id("param-value")
    field.fill("")
    field.press_sequentially("Host {{ trigger.ag")
    completions = page.get_by_test_id("param-value-completions")
    expect(completions).to_contain_text("agent")
    field.press("Enter")
    field.press_sequentially(".")
    expect(completions).to_contain_text("name")
    field.press("Enter")
    expect(field).to_have_value("Host {{ trigger.agent.name")


def test_schedule_trigger_shows_the_next_runs(page: Any, server: Server) -> None:
    workflow = create_workflow(server, "Schedule", [echo_step()])
    open_designer(page, workflow)
    page.get_by_test_id("add-trigger-schedule").click()
    panel = page.get_by_test_id("trigger-panel")
    panel.get_by_test_id("cron").fill("0 3 * * 1")
    preview = panel.get_by_test_id("cron-preview")
    expect(preview.locator("li")).to_have_count(5)
    panel.get_by_test_id("cron").fill("not a cron")
    expect(panel.get_by_test_id("cron-error")).to_be_visible()
    panel.get_by_test_id("cron").fill("*/10 * * * *")
    expect(preview.locator("li")).to_have_count(5)
    save(page, "schedule")
    expect(page.get_by_test_id("designer-revision")).to_have_text("rev 2")
    triggers = server.api("GET", f"/workflows/{workflow['id']}")["definition"]["triggers"]
    assert [(t["type"], t.get("cron")) for t in triggers] == [
        ("webhook", None),
        ("schedule", "*/10 * * * *"),
    ]
