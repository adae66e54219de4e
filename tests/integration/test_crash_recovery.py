"""SIGKILL the server while executions are in flight: every 202 must still finish."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from tests.support.server import Server

pytestmark = pytest.mark.integration

WORKFLOW = {
    "name": "Slow",
    "triggers": [{"id": "hook", "type": "webhook"}],
    "steps": [
        {"id": "wait", "app": "tools", "action": "sleep", "params": {"seconds": 0.5}},
        {"id": "echo", "app": "tools", "action": "repeat_back", "needs": ["wait"],
         "params": {"value": "{{ trigger.n }}"}},
    ],
}


def test_sigkill_loses_no_accepted_alert(tmp_path: Path) -> None:
    server = Server(tmp_path / "data")
    server.start()
    try:
        with server.client() as api:
            created = api.post("/api/v1/workflows", json={"definition": WORKFLOW})
            assert created.status_code == 201, created.text
            hook_url = f"{server.url}/api/v1/hooks/{created.json()['hooks'][0]['hook_id']}"

            def fire(n: int) -> str | None:
                try:
                    response = httpx.post(hook_url, json={"n": n}, timeout=5)
                except httpx.HTTPError:
                    return None  # not acknowledged: the sender would retry
                return response.json()["execution_id"] if response.status_code == 202 else None

            with ThreadPoolExecutor(8) as pool:
                accepted = [i for i in pool.map(fire, range(60)) if i]
            assert len(accepted) == 60
            time.sleep(0.2)
        server.kill()

        server.start()
        with server.client() as api:
            deadline = time.monotonic() + 60
            pending = set(accepted)
            while pending and time.monotonic() < deadline:
                for execution_id in list(pending):
                    view = api.get(f"/api/v1/executions/{execution_id}").json()
                    assert view.get("error") is None or view["status"] != "failed", view
                    if view["status"] in {"succeeded", "failed", "cancelled"}:
                        assert view["status"] == "succeeded", view
                        pending.discard(execution_id)
                time.sleep(0.2)
            assert not pending, f"{len(pending)} executions never finished"
    finally:
        server.stop()
