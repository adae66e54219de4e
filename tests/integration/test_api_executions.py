"""Executions through the real HTTP API: the engine's behaviour end to end."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from tests.support.api import create, steps_by_id, wait_execution

pytestmark = pytest.mark.integration


def flow(steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"name": "Flow", "triggers": [{"id": "hook", "type": "webhook"}],
            "steps": steps, **extra}


def fire(api: Any, wf: dict[str, Any], payload: Any) -> dict[str, Any]:
    response = api.post(f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}", json=payload)
    assert response.status_code == 202, response.text
    return wait_execution(api, response.json()["execution_id"])


def test_data_flows_between_steps(api: Any) -> None:
    wf = create(api, flow([
        {"id": "a", "app": "testkit", "action": "echo", "params": {"value": "{{ trigger }}"}},
        {"id": "b", "app": "testkit", "action": "echo", "needs": ["a"],
         "params": {"value": {"ip": "{{ steps.a.result.ip }}", "n": "{{ trigger.n }}"}}},
        {"id": "c", "app": "testkit", "action": "blocking", "needs": ["b"],
         "params": {"value": "{{ steps.b.result.n }}"}},
    ]))
    view = fire(api, wf, {"ip": "203.0.113.9", "n": 21})
    assert view["status"] == "succeeded", view
    steps = steps_by_id(view)
    assert steps["b"]["output"] == {"ip": "203.0.113.9", "n": 21}
    assert steps["c"]["output"] == 42
    assert view["payload"] == {"ip": "203.0.113.9", "n": 21}
    assert view["source"] == "webhook" and view["trigger_id"] == "hook"
    assert all(s["started_at"] and s["finished_at"] for s in view["steps"])


def test_when_false_skips_the_branch(api: Any) -> None:
    wf = create(api, flow([
        {"id": "a", "app": "testkit", "action": "echo", "when": "trigger.level > 5"},
        {"id": "b", "app": "testkit", "action": "echo", "needs": ["a"]},
        {"id": "c", "app": "testkit", "action": "echo"},
    ]))
    steps = steps_by_id(fire(api, wf, {"level": 3}))
    assert [steps[s]["status"] for s in "abc"] == ["skipped", "skipped", "succeeded"]


def test_error_edge_handles_a_failure(api: Any) -> None:
    wf = create(api, flow([
        {"id": "a", "app": "testkit", "action": "fail", "params": {"message": "vendor down"}},
        {"id": "alert", "app": "testkit", "action": "echo",
         "needs": [{"step": "a", "on": "failure"}],
         "params": {"value": "{{ steps.a.error.message }}"}},
        {"id": "next", "app": "testkit", "action": "echo", "needs": ["a"]},
    ]))
    view = fire(api, wf, {})
    steps = steps_by_id(view)
    assert view["status"] == "succeeded"
    assert steps["a"]["status"] == "failed" and steps["a"]["error"]["type"] == "vendor"
    assert "vendor down" in steps["alert"]["output"]
    assert steps["next"]["status"] == "skipped"


def test_unhandled_failure_fails_the_execution(api: Any) -> None:
    wf = create(api, flow([
        {"id": "a", "app": "testkit", "action": "fail", "params": {"message": "nope"}},
        {"id": "b", "app": "testkit", "action": "echo", "needs": ["a"]},
    ]))
    view = fire(api, wf, {})
    assert view["status"] == "failed" and "step a failed" in view["error"]
    assert steps_by_id(view)["b"]["status"] == "skipped"


def test_retries_then_succeeds(api: Any) -> None:
    wf = create(api, flow([
        {"id": "a", "app": "testkit", "action": "fail", "retry": {"attempts": 3, "backoff": 0.01},
         "params": {"retryable": True, "times": 2, "key": "retry-test-{{ execution.id }}"}},
    ]))
    view = fire(api, wf, {})
    assert view["status"] == "succeeded"
    attempts = [(s["attempt"], s["status"]) for s in view["steps"]]
    assert attempts == [(1, "failed"), (2, "failed"), (3, "succeeded")]


def test_timeout_fails_the_step(api: Any) -> None:
    wf = create(api, flow([
        {"id": "slow", "app": "testkit", "action": "sleep", "timeout": 0.05,
         "params": {"seconds": 5}},
    ]))
    view = fire(api, wf, {})
    step = steps_by_id(view)["slow"]
    assert step["status"] == "failed" and step["error"]["type"] == "timeout"


def test_foreach_fans_out(api: Any) -> None:
    wf = create(api, flow([
        {"id": "each", "app": "testkit", "action": "echo",
         "foreach": {"items": "{{ trigger.ips }}", "concurrency": 2},
         "params": {"value": "{{ index }}:{{ item }}"}},
    ]))
    view = fire(api, wf, {"ips": ["10.0.0.1", "10.0.0.2", "10.0.0.3"]})
    assert steps_by_id(view)["each"]["output"] == ["0:10.0.0.1", "1:10.0.0.2", "2:10.0.0.3"]


def test_expression_error_names_step_and_parameter(api: Any) -> None:
    wf = create(api, flow([
        {"id": "a", "app": "testkit", "action": "echo",
         "params": {"value": "{{ trigger.missing.deeper }}"}},
    ]))
    step = steps_by_id(fire(api, wf, {}))["a"]
    assert step["status"] == "failed" and step["error"]["type"] == "expression"
    assert "steps.a.params.value" in step["error"]["message"]


def test_large_output_is_truncated_and_flagged(api: Any) -> None:
    wf = create(api, flow([
        {"id": "big", "app": "testkit", "action": "big", "params": {"size": 2 * 1024 * 1024}},
        {"id": "after", "app": "testkit", "action": "echo", "needs": ["big"]},
    ]))
    view = fire(api, wf, {})
    assert view["status"] == "succeeded"
    step = steps_by_id(view)["big"]
    assert step["output_truncated"] is True
    assert step["output"]["truncated"] is True and step["output"]["size"] > 2 * 1024 * 1024


def test_cancel_a_running_execution(api: Any) -> None:
    wf = create(api, flow([
        {"id": "slow", "app": "testkit", "action": "sleep", "params": {"seconds": 30}},
        {"id": "after", "app": "testkit", "action": "echo", "needs": ["slow"]},
    ]))
    execution_id = api.post(f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}", json={}).json()[
        "execution_id"]
    response = api.post(f"/api/v1/executions/{execution_id}/cancel")
    assert response.status_code == 200
    view = wait_execution(api, execution_id)
    assert view["status"] == "cancelled"
    again = api.post(f"/api/v1/executions/{execution_id}/cancel")
    assert again.status_code == 409


def test_rerun_from_a_failed_step_reuses_earlier_results(api: Any) -> None:
    wf = create(api, flow([
        {"id": "first", "app": "testkit", "action": "echo", "params": {"value": "{{ trigger }}"}},
        {"id": "flaky", "app": "testkit", "action": "fail", "needs": ["first"],
         "params": {"times": 1, "key": "rerun-{{ steps.first.result.k }}"}},
    ]))
    view = fire(api, wf, {"k": wf["id"]})
    assert view["status"] == "failed"
    response = api.post(f"/api/v1/executions/{view['id']}/rerun", json={"from_step": "flaky"})
    assert response.status_code == 202
    again = wait_execution(api, response.json()["execution_id"])
    assert again["status"] == "succeeded"
    steps = steps_by_id(again)
    assert steps["first"]["reused"] is True and steps["flaky"]["reused"] is False
    bad = api.post(f"/api/v1/executions/{view['id']}/rerun", json={"from_step": "nope"})
    assert bad.status_code == 400 and "from_step" in bad.json()["message"]


def test_manual_run_and_input_schema(api: Any) -> None:
    wf = create(api, flow(
        [{"id": "a", "app": "testkit", "action": "echo", "params": {"value": "{{ trigger.ip }}"}}],
        input_schema={"type": "object", "required": ["ip"],
                      "properties": {"ip": {"type": "string"}}},
    ))
    bad = api.post(f"/api/v1/workflows/{wf['id']}/run", json={"input": {"ip": 5}})
    assert bad.status_code == 400 and "input.ip" in bad.json()["message"]
    ok = api.post(f"/api/v1/workflows/{wf['id']}/run", json={"input": {"ip": "1.2.3.4"}})
    view = wait_execution(api, ok.json()["execution_id"])
    assert view["source"] == "manual" and view["status"] == "succeeded"


def test_list_filters_and_cursor(api: Any) -> None:
    wf = create(api, flow([{"id": "a", "app": "testkit", "action": "echo"}]))
    ids = [fire(api, wf, {"i": i})["id"] for i in range(3)]
    page = api.get("/api/v1/executions?limit=2&status=succeeded").json()
    assert [e["id"] for e in page["items"]] == ids[::-1][:2]
    rest = api.get(f"/api/v1/executions?limit=2&cursor={page['next_cursor']}").json()
    assert [e["id"] for e in rest["items"]] == [ids[0]]
    assert api.get(f"/api/v1/executions?workflow_id={wf['id']}&source=webhook").json()["items"]
    assert api.get("/api/v1/executions?source=nope").status_code == 400
    assert api.get("/api/v1/executions?status=nope").status_code == 400
    assert api.get("/api/v1/executions?since=yesterday").status_code == 422
    assert api.get("/api/v1/executions/unknown").status_code == 404


class TestIntake:
    def test_unknown_hook_is_404(self, api: Any) -> None:
        response = api.post("/api/v1/hooks/not-a-hook", json={})
        assert response.status_code == 404

    def test_malformed_json_is_400(self, api: Any) -> None:
        wf = create(api, flow([{"id": "a", "app": "testkit", "action": "echo"}]))
        response = api.post(f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}", content=b'{"a": ',
                            headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert "malformed JSON" in response.json()["message"]

    def test_body_over_limit_is_413(self, api: Any) -> None:
        wf = create(api, flow([{"id": "a", "app": "testkit", "action": "echo"}]))
        big = json.dumps({"s": "x" * (1024 * 1024)})
        response = api.post(f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}", content=big,
                            headers={"Content-Type": "application/json"})
        assert response.status_code == 413

    def test_form_and_text_bodies_are_wrapped(self, api: Any) -> None:
        wf = create(api, flow([{"id": "a", "app": "testkit", "action": "echo",
                                "params": {"value": "{{ trigger }}"}}]))
        url = f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}"
        form = api.post(url, data={"ip": "1.2.3.4"})
        assert wait_execution(api, form.json()["execution_id"])["payload"] == {"ip": "1.2.3.4"}
        text = api.post(url, content="plain alert", headers={"Content-Type": "text/plain"})
        payload = wait_execution(api, text.json()["execution_id"])["payload"]
        assert payload == {"body": "plain alert", "content_type": "text/plain"}

    def test_secret_header_and_hmac(self, api: Any) -> None:
        api.post("/api/v1/credentials", json={"name": "hooksecret", "app": "generic",
                                              "fields": {"secret": "s3cret"}})
        wf = create(api, flow([{"id": "a", "app": "testkit", "action": "echo"}], triggers=[
            {"id": "hook", "type": "webhook", "secret_header": "X-Token",
             "hmac_header": "X-Signature", "secret_credential": "hooksecret"}]))
        url = f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}"
        body = b'{"a": 1}'
        signature = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Token": "s3cret",
                   "X-Signature": signature}
        assert api.post(url, content=body, headers=headers).status_code == 202
        wrong = {**headers, "X-Signature": "sha256=00"}
        assert api.post(url, content=body, headers=wrong).status_code == 401
        no_token = {k: v for k, v in headers.items() if k != "X-Token"}
        assert api.post(url, content=body, headers=no_token).status_code == 401

    def test_database_failure_is_503_never_202(self, api: Any) -> None:
        from sqlalchemy import text

        wf = create(api, flow([{"id": "a", "app": "testkit", "action": "echo"}]))
        with api.core.db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE executions RENAME TO executions_gone"))
        try:
            response = api.post(f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}", json={})
            assert response.status_code == 503
            assert response.json()["error"] == "unavailable"
        finally:
            with api.core.db.engine.begin() as connection:
                connection.execute(text("ALTER TABLE executions_gone RENAME TO executions"))


def test_running_steps_are_visible(api: Any) -> None:
    wf = create(api, flow([
        {"id": "slow", "app": "testkit", "action": "sleep", "params": {"seconds": 1.5}},
    ]))
    execution_id = api.post(f"/api/v1/hooks/{wf['hooks'][0]['hook_id']}", json={}).json()[
        "execution_id"]
    deadline = time.monotonic() + 5
    running: list[dict[str, Any]] = []
    while not running and time.monotonic() < deadline:
        view = api.get(f"/api/v1/executions/{execution_id}").json()
        running = [s for s in view["steps"] if s["status"] == "running"]
        time.sleep(0.02)
    assert running and running[0]["step_id"] == "slow" and running[0]["started_at"]
    done = wait_execution(api, execution_id)
    assert [s["status"] for s in done["steps"]] == ["succeeded"]
