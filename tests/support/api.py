"""Helpers for driving the HTTP API in tests."""

from __future__ import annotations

import time
from typing import Any

FINAL = {"succeeded", "failed", "cancelled"}


def wait_execution(client: Any, execution_id: str, timeout: float = 15.0) -> dict[str, Any]:
    """Poll until the execution is final; fail the test if it is not in time."""
    deadline = time.monotonic() + timeout
    while True:
        view: dict[str, Any] = client.get(f"/api/v1/executions/{execution_id}").json()
        if view.get("status") in FINAL:
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"execution {execution_id} still {view.get('status')}")
        time.sleep(0.02)


def create(client: Any, definition: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/workflows", json={"definition": definition})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def steps_by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The last attempt of each step."""
    return {s["step_id"]: s for s in view["steps"]}
