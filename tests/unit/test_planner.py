"""The planner is pure: these tests drive it with hand-made states, no database, no network."""

from __future__ import annotations

from typing import Any

import pytest

from threatflow.engine.model import parse_workflow
from threatflow.engine.planner import (
    ExecutionStatus,
    Graph,
    StepState,
    StepStatus,
    can_transition,
    compile_graph,
    find_cycle,
    plan,
    retry_delay,
)

OK = StepState(StepStatus.SUCCEEDED, 1)
FAIL = StepState(StepStatus.FAILED, 1, "http", retryable=False)
SKIP = StepState(StepStatus.SKIPPED)
RUN = StepState(StepStatus.RUNNING, 1)


def graph(*steps: dict[str, Any]) -> Graph:
    defs = [{"app": "tools", "action": "repeat_back", **s} for s in steps]
    return compile_graph(parse_workflow({"name": "t", "steps": defs}))


def test_roots_start_first() -> None:
    g = graph({"id": "a"}, {"id": "b"}, {"id": "c", "needs": ["a", "b"]})
    result = plan(g, {})
    assert set(result.start) == {"a", "b"}
    assert not result.done


def test_join_all_waits_for_every_parent() -> None:
    g = graph({"id": "a"}, {"id": "b"}, {"id": "c", "needs": ["a", "b"]})
    assert plan(g, {"a": OK, "b": RUN}).start == ()
    assert plan(g, {"a": OK, "b": OK}).start == ("c",)


def test_join_any_starts_on_first_parent() -> None:
    g = graph({"id": "a"}, {"id": "b"}, {"id": "c", "needs": ["a", "b"], "join": "any"})
    assert plan(g, {"a": OK, "b": RUN}).start == ("c",)


def test_join_any_skipped_only_when_every_parent_is() -> None:
    g = graph({"id": "a"}, {"id": "b"}, {"id": "c", "needs": ["a", "b"], "join": "any"})
    assert plan(g, {"a": SKIP, "b": RUN}).skip == ()
    result = plan(g, {"a": SKIP, "b": SKIP})
    assert ("c", "its dependencies were not met") in result.skip
    assert result.done and result.outcome is ExecutionStatus.SUCCEEDED


def test_skip_propagates_through_a_chain_in_one_plan() -> None:
    g = graph({"id": "a"}, {"id": "b", "needs": ["a"]}, {"id": "c", "needs": ["b"]})
    result = plan(g, {"a": SKIP})
    assert [s for s, _ in result.skip] == ["b", "c"]
    assert result.done and result.outcome is ExecutionStatus.SUCCEEDED


def test_skip_spares_a_step_with_another_live_branch() -> None:
    g = graph(
        {"id": "a"}, {"id": "b"},
        {"id": "c", "needs": ["a"]},
        {"id": "d", "needs": ["c", "b"], "join": "any"},
    )
    result = plan(g, {"a": SKIP, "b": OK})
    assert [s for s, _ in result.skip] == ["c"]
    assert result.start == ("d",)


def test_unhandled_failure_fails_execution_and_skips_the_rest() -> None:
    g = graph({"id": "a"}, {"id": "b", "needs": ["a"]}, {"id": "c"})
    result = plan(g, {"a": FAIL, "c": OK})
    assert result.done
    assert result.outcome is ExecutionStatus.FAILED
    assert result.failed == ("a",)
    assert [s for s, _ in result.skip] == ["b"]


def test_failure_waits_for_running_steps_before_finishing() -> None:
    g = graph({"id": "a"}, {"id": "b"}, {"id": "c", "needs": ["b"]})
    result = plan(g, {"a": FAIL, "b": RUN})
    assert not result.done
    assert result.start == ()
    final = plan(g, {"a": FAIL, "b": OK})
    assert final.start == ()
    assert final.done and final.outcome is ExecutionStatus.FAILED


def test_error_edge_runs_only_on_failure_and_handles_it() -> None:
    g = graph(
        {"id": "a"},
        {"id": "notify", "needs": [{"step": "a", "on": "failure"}]},
        {"id": "next", "needs": ["a"]},
    )
    failed = plan(g, {"a": FAIL})
    assert failed.start == ("notify",)
    assert [s for s, _ in failed.skip] == ["next"]
    done = plan(g, {"a": FAIL, "notify": OK, "next": SKIP})
    assert done.done and done.outcome is ExecutionStatus.SUCCEEDED

    succeeded = plan(g, {"a": OK})
    assert succeeded.start == ("next",)
    assert [s for s, _ in succeeded.skip] == ["notify"]


def test_always_edge_runs_after_any_outcome() -> None:
    g = graph({"id": "a"}, {"id": "cleanup", "needs": [{"step": "a", "on": "always"}]})
    assert plan(g, {"a": FAIL}).start == ("cleanup",)
    assert plan(g, {"a": OK}).start == ("cleanup",)
    assert plan(g, {"a": SKIP}).start == ("cleanup",)


def test_continue_on_error_lets_dependents_run() -> None:
    g = graph({"id": "a", "on_error": "continue"}, {"id": "b", "needs": ["a"]})
    result = plan(g, {"a": FAIL})
    assert result.start == ("b",)
    final = plan(g, {"a": FAIL, "b": OK})
    assert final.done and final.outcome is ExecutionStatus.SUCCEEDED


def test_retryable_failure_is_retried_with_backoff() -> None:
    g = graph({"id": "a", "retry": {"attempts": 3, "backoff": 2, "factor": 3}},
              {"id": "b", "needs": ["a"]})
    flaky = StepState(StepStatus.FAILED, 1, "http", retryable=True)
    result = plan(g, {"a": flaky})
    assert not result.done
    assert [(r.step, r.attempt, r.delay) for r in result.retry] == [("a", 2, 2.0)]
    assert result.skip == ()
    second = plan(g, {"a": StepState(StepStatus.FAILED, 2, "http", retryable=True)})
    assert second.retry[0].delay == 6.0
    last = plan(g, {"a": StepState(StepStatus.FAILED, 3, "http", retryable=True)})
    assert last.done and last.outcome is ExecutionStatus.FAILED


def test_non_retryable_failure_is_not_retried() -> None:
    g = graph({"id": "a", "retry": {"attempts": 3}})
    result = plan(g, {"a": FAIL})
    assert result.retry == () and result.done


def test_retry_on_lists_error_types() -> None:
    g = graph({"id": "a", "retry": {"attempts": 2, "on": ["timeout"]}})
    timeout = StepState(StepStatus.FAILED, 1, "timeout", retryable=False)
    assert plan(g, {"a": timeout}).retry[0].step == "a"
    http = StepState(StepStatus.FAILED, 1, "http", retryable=True)
    assert plan(g, {"a": http}).retry == ()


def test_waiting_step_keeps_execution_open() -> None:
    g = graph({"id": "a"})
    result = plan(g, {"a": StepState(StepStatus.WAITING, 1)})
    assert not result.done and result.start == ()


def test_cancelled_step_skips_dependents() -> None:
    g = graph({"id": "a"}, {"id": "b", "needs": ["a"]})
    result = plan(g, {"a": StepState(StepStatus.CANCELLED, 1)})
    assert [s for s, _ in result.skip] == ["b"]


def test_retry_delay_is_capped() -> None:
    g = graph({"id": "a", "retry": {"attempts": 20, "backoff": 10, "max_backoff": 60}})
    policy = g.nodes["a"].retry
    assert retry_delay(policy, 2) == 10
    assert retry_delay(policy, 10) == 60


def test_cycle_is_found() -> None:
    wf = parse_workflow({
        "name": "t",
        "steps": [
            {"id": "a", "app": "x", "action": "y", "needs": ["b"]},
            {"id": "b", "app": "x", "action": "y", "needs": ["a"]},
        ],
    })
    cycle = find_cycle(wf)
    assert cycle is not None and set(cycle) >= {"a", "b"}


def test_descendants() -> None:
    g = graph({"id": "a"}, {"id": "b", "needs": ["a"]}, {"id": "c", "needs": ["b"]}, {"id": "d"})
    assert g.descendants("a") == {"b", "c"}


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING, True),
        (ExecutionStatus.RUNNING, ExecutionStatus.SUCCEEDED, True),
        (ExecutionStatus.SUCCEEDED, ExecutionStatus.RUNNING, False),
        (ExecutionStatus.CANCELLED, ExecutionStatus.FAILED, False),
    ],
)
def test_transitions_are_data(old: ExecutionStatus, new: ExecutionStatus, allowed: bool) -> None:
    assert can_transition(old, new) is allowed


def test_empty_workflow_is_done_at_once() -> None:
    result = plan(graph(), {})
    assert result.done and result.outcome is ExecutionStatus.SUCCEEDED
