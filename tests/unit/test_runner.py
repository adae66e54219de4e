"""The runner over the in-memory store: no database, no network."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from tests.support import testapp

from threatflow.apps.registry import Registry
from threatflow.engine.model import parse_workflow
from threatflow.engine.planner import ExecutionStatus, StepStatus
from threatflow.engine.runner import Runner, RunnerOptions
from threatflow.engine.store import ExecutionRecord, MemoryStore
from threatflow.ids import new_id, utcnow


def execute(steps: list[dict[str, Any]], payload: Any = None, *, timeout: float = 60,
            cancel_after: float | None = None, max_output: int = 1 << 20,
            output: Any = None) -> ExecutionRecord:
    """Run a workflow of testkit steps to its end and return the stored execution."""
    workflow = parse_workflow({"name": "t", "timeout": timeout, "steps": steps,
                               "output": output})
    store = MemoryStore()
    record = ExecutionRecord(new_id(), "wf", 1, workflow, ExecutionStatus.QUEUED, "api",
                             payload=payload, created_at=utcnow())
    store.add(record)
    cancelling: set[str] = set()

    async def main() -> None:
        async with httpx.AsyncClient() as client:
            runner = Runner(store, Registry([testapp.app]), client,
                            options=RunnerOptions(max_output=max_output),
                            cancelled=lambda execution_id: execution_id in cancelling)
            task = asyncio.create_task(runner.advance(record.id))
            if cancel_after is not None:
                await asyncio.sleep(cancel_after)
                cancelling.add(record.id)
                task.cancel()
            await task

    asyncio.run(main())
    return store.executions[record.id]


def status(record: ExecutionRecord) -> dict[str, StepStatus]:
    return {step_id: step.status for step_id, step in record.steps.items()}


def test_foreach_keeps_order_and_limits_concurrency() -> None:
    record = execute([{"id": "each", "app": "testkit", "action": "sleep",
                       "foreach": {"items": "{{ trigger }}", "concurrency": 2},
                       "params": {"seconds": "{{ item }}"}}], [0.03, 0.01, 0.02])
    step = record.steps["each"]
    assert record.status is ExecutionStatus.SUCCEEDED
    assert step.output == [{"slept": 0.03}, {"slept": 0.01}, {"slept": 0.02}]
    assert step.input == [{"seconds": 0.03}, {"seconds": 0.01}, {"seconds": 0.02}]


def test_foreach_over_a_non_list_fails_clearly() -> None:
    record = execute([{"id": "each", "app": "testkit", "action": "echo",
                       "foreach": {"items": "{{ trigger }}"}}], {"not": "a list"})
    assert record.status is ExecutionStatus.FAILED
    assert "must be a list" in (record.steps["each"].error_message or "")


def test_step_timeout_is_a_retryable_timeout() -> None:
    record = execute([{"id": "slow", "app": "testkit", "action": "sleep", "timeout": 0.05,
                       "retry": {"attempts": 2, "backoff": 0},
                       "params": {"seconds": 1}}])
    attempts = [(s.attempt, s.status, s.error_type) for s in record.history]
    assert attempts == [(1, StepStatus.FAILED, "timeout"), (2, StepStatus.FAILED, "timeout")]


def test_workflow_timeout_fails_the_execution_with_the_reason() -> None:
    record = execute([{"id": "slow", "app": "testkit", "action": "sleep",
                       "params": {"seconds": 5}}], timeout=0.1)
    assert record.status is ExecutionStatus.FAILED
    assert record.error is not None and "workflow timeout" in record.error
    assert record.steps["slow"].status is StepStatus.CANCELLED


def test_cancel_stops_running_steps_and_skips_nothing_else() -> None:
    record = execute([
        {"id": "slow", "app": "testkit", "action": "sleep", "params": {"seconds": 5}},
        {"id": "after", "app": "testkit", "action": "echo", "needs": ["slow"]},
    ], cancel_after=0.05)
    assert record.status is ExecutionStatus.CANCELLED
    assert record.steps["slow"].status is StepStatus.CANCELLED
    assert "after" not in record.steps


def test_retry_backoff_then_success() -> None:
    key = new_id()
    record = execute([{"id": "flaky", "app": "testkit", "action": "fail",
                       "retry": {"attempts": 3, "backoff": 0.01, "jitter": 0},
                       "params": {"retryable": True, "times": 2, "key": key}}])
    assert [s.status for s in record.history] == [
        StepStatus.FAILED, StepStatus.FAILED, StepStatus.SUCCEEDED]
    assert record.steps["flaky"].output == {"calls": 3}


def test_blocking_actions_run_in_a_thread() -> None:
    record = execute([{"id": "b", "app": "testkit", "action": "blocking",
                       "params": {"value": 21}}])
    assert record.steps["b"].output == 42


def test_unknown_credential_fails_the_step_not_the_engine() -> None:
    record = execute([{"id": "a", "app": "testkit", "action": "echo", "credential": "nope"}])
    step = record.steps["a"]
    assert step.status is StepStatus.FAILED and step.error_type == "credential"


def test_output_over_the_limit_is_truncated_and_flagged() -> None:
    record = execute([{"id": "big", "app": "testkit", "action": "big",
                       "params": {"size": 5000}}], max_output=1024)
    step = record.steps["big"]
    assert step.output_truncated and step.output["truncated"] and step.output["size"] > 5000


def test_workflow_output_expression() -> None:
    workflow_steps = [{"id": "a", "app": "testkit", "action": "echo",
                       "params": {"value": "{{ trigger.x }}"}}]
    record = execute(workflow_steps, {"x": 7}, output={"doubled": "{{ steps.a.result * 2 }}"})
    assert record.status is ExecutionStatus.SUCCEEDED and record.result == {"doubled": 14}
    assert execute(workflow_steps, {"x": 7}).result is None


def test_workflow_timeout_stops_parallel_branches_too() -> None:
    record = execute([
        {"id": "a", "app": "testkit", "action": "sleep", "params": {"seconds": 5}},
        {"id": "b", "app": "testkit", "action": "sleep", "params": {"seconds": 5}},
    ], timeout=0.1)
    assert record.status is ExecutionStatus.FAILED and "workflow timeout" in (record.error or "")
    assert status(record) == {"a": StepStatus.CANCELLED, "b": StepStatus.CANCELLED}


def test_workflow_timeout_in_the_middle_of_a_chain_keeps_what_finished() -> None:
    record = execute([
        {"id": "first", "app": "testkit", "action": "echo", "params": {"value": 1}},
        {"id": "slow", "app": "testkit", "action": "sleep", "needs": ["first"],
         "params": {"seconds": 5}},
        {"id": "never", "app": "testkit", "action": "echo", "needs": ["slow"]},
    ], timeout=0.2)
    assert record.status is ExecutionStatus.FAILED
    assert status(record) == {"first": StepStatus.SUCCEEDED, "slow": StepStatus.CANCELLED}


def test_cancel_while_waiting_to_retry_keeps_the_failed_attempt() -> None:
    key = new_id()
    record = execute([{"id": "flaky", "app": "testkit", "action": "fail",
                       "retry": {"attempts": 3, "backoff": 5, "jitter": 0},
                       "params": {"retryable": True, "times": 2, "key": key}}],
                     cancel_after=0.1)
    assert record.status is ExecutionStatus.CANCELLED
    assert [(s.attempt, s.status) for s in record.history] == [
        (1, StepStatus.FAILED), (2, StepStatus.CANCELLED)]
