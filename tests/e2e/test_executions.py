"""Execution detail: errors as JSON trees, rerun from start or from the failed step, cancel."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.browser import Server, sign_in

pytestmark = pytest.mark.e2e


def fire(server: Server, name: str, steps: list[dict[str, Any]], payload: Any) -> str:
    """Create a webhook workflow and fire it; returns the execution id."""
    definition = {"name": name, "triggers": [{"id": "webhook", "type": "webhook"}], "steps": steps}
    workflow = server.api("POST", "/workflows", json={"definition": definition})
    response = httpx.post(workflow["hooks"][0]["url"], json=payload, timeout=10)
    assert response.status_code == 202, response.text
    execution_id: str = response.json()["execution_id"]
    return execution_id


def test_a_failed_step_shows_its_error_and_can_be_rerun(page: Any, server: Server) -> None:
    steps = [
        {"id": "first", "app": "tools", "action": "repeat_back", "params": {"value": 1}},
        {
            "id": "broken",
            "app": "tools",
            "action": "repeat_back",
            "needs": ["first"],
            "params": {"value": "{{ trigger.missing_field }}"},
        },
    ]
    execution_id = fire(server, "Fails", steps, {"present": True})
    sign_in(page, f"/executions/{execution_id}")
    detail = page.get_by_test_id("execution-detail")
    expect(detail).to_have_attribute("data-status", "failed", timeout=20_000)
    expect(page.get_by_test_id("node-status-broken")).to_have_text("failed")
    expect(page.get_by_test_id("node-status-first")).to_have_text("succeeded")
    page.get_by_test_id("open-step-broken").click()
    expect(page.get_by_test_id("step-error-body")).to_contain_text("missing_field")

    page.get_by_test_id("execution-rerun-failed").click()
    expect(page).not_to_have_url(re.compile(execution_id))
    expect(page.get_by_test_id("execution-detail")).to_have_attribute(
        "data-status", "failed", timeout=20_000
    )
    rerun_id = page.url.rsplit("/", 1)[-1]
    rerun = server.api("GET", f"/executions/{rerun_id}")
    assert rerun["workflow_name"] == "Fails"
    assert {s["step_id"] for s in rerun["steps"]} >= {"broken"}

    page.get_by_test_id("execution-rerun").click()
    expect(page).not_to_have_url(re.compile(rerun_id))
    expect(page.get_by_test_id("execution-detail")).to_be_visible()


def test_a_running_execution_updates_live_and_can_be_cancelled(page: Any, server: Server) -> None:
    sign_in(page, "/executions")
    # A running attempt is only known from live events, so listen before firing.
    expect(page.get_by_test_id("live-indicator")).to_contain_text("live")
    steps = [{"id": "wait", "app": "tools", "action": "sleep", "params": {"seconds": 60}}]
    execution_id = fire(server, "Sleeps", steps, {})
    row = page.locator(f"[data-testid=execution-row][data-execution-id='{execution_id}']")
    expect(row).to_have_attribute("data-status", "running", timeout=15_000)
    row.click()
    expect(page.get_by_test_id("node-status-wait")).to_have_text("running", timeout=20_000)
    expect(page.get_by_test_id("step-row-wait")).to_have_attribute("data-status", "running")
    page.get_by_test_id("execution-cancel").click()
    expect(page.get_by_test_id("execution-detail")).to_have_attribute(
        "data-status", "cancelled", timeout=20_000
    )
    expect(page.get_by_test_id("execution-cancel")).to_have_count(0)
