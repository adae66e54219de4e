"""The in-process executor: bounded concurrency, a queue of ids, cancel and drain."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from tests.support import testapp

from threatflow.apps.registry import Registry
from threatflow.engine.executors.local import LocalExecutor
from threatflow.engine.model import parse_workflow
from threatflow.engine.planner import ExecutionStatus
from threatflow.engine.runner import Runner
from threatflow.engine.store import ExecutionRecord, MemoryStore
from threatflow.ids import new_id, utcnow

SLEEPY = parse_workflow({"name": "t", "steps": [
    {"id": "nap", "app": "testkit", "action": "sleep", "params": {"seconds": 0.1}}]})


def records(store: MemoryStore, count: int) -> list[ExecutionRecord]:
    made = []
    for _ in range(count):
        record = ExecutionRecord(new_id(), "wf", 1, SLEEPY, ExecutionStatus.QUEUED, "api",
                                 payload={}, created_at=utcnow())
        store.add(record)
        made.append(record)
    return made


async def run(store: MemoryStore, body: Any, **options: Any) -> Any:
    async with httpx.AsyncClient() as client:
        executor = LocalExecutor(Runner(store, Registry([testapp.app]), client), **options)
        return await body(executor)


async def settle(executor: LocalExecutor) -> None:
    """Wait (at most 10 s) until nothing runs or waits in the executor; it has no event for
    that, so poll."""
    for _ in range(1000):
        if not executor.in_flight:
            return
        await asyncio.sleep(0.01)


def test_at_most_concurrency_run_and_the_rest_wait_their_turn() -> None:
    store = MemoryStore()
    made = records(store, 6)

    async def body(executor: LocalExecutor) -> tuple[float, int]:
        started = time.perf_counter()
        for record in made:
            executor.submit_record(record)
        queued = executor.in_flight
        await settle(executor)
        return time.perf_counter() - started, queued

    elapsed, queued = asyncio.run(run(store, body, concurrency=2))
    assert queued == 6
    assert elapsed >= 0.3  # three rounds of two 0.1 s naps
    assert all(store.executions[r.id].status is ExecutionStatus.SUCCEEDED for r in made)


def test_queued_executions_beyond_the_kept_records_are_read_back() -> None:
    store = MemoryStore()
    made = records(store, 5)

    async def body(executor: LocalExecutor) -> None:
        for record in made:
            executor.submit_record(record)
        assert [r is not None for r in executor._queue.values()] == [True, False, False, False]
        await settle(executor)

    asyncio.run(run(store, body, concurrency=1, keep_records=1))
    assert all(store.executions[r.id].status is ExecutionStatus.SUCCEEDED for r in made)


def test_a_cancelled_queued_execution_never_runs() -> None:
    store = MemoryStore()
    first, second = records(store, 2)

    async def body(executor: LocalExecutor) -> bool:
        executor.submit_record(first)
        executor.submit_record(second)
        assert executor.is_running(second.id)
        answer = executor.cancel(second.id)
        assert not executor.is_running(second.id)
        await settle(executor)
        return answer

    assert asyncio.run(run(store, body, concurrency=1)) is False  # the caller records it
    assert store.executions[first.id].status is ExecutionStatus.SUCCEEDED
    assert store.executions[second.id].status is ExecutionStatus.QUEUED
    assert not store.executions[second.id].history


def test_drain_finishes_what_runs_and_leaves_the_queue_for_the_next_start() -> None:
    store = MemoryStore()
    first, second = records(store, 2)

    async def body(executor: LocalExecutor) -> None:
        executor.submit_record(first)
        executor.submit_record(second)
        await executor.drain(grace=5)
        assert executor.in_flight == 0

    asyncio.run(run(store, body, concurrency=1))
    assert store.executions[first.id].status is ExecutionStatus.SUCCEEDED
    assert store.executions[second.id].status is ExecutionStatus.QUEUED


def test_queued_alerts_come_back_intact_whether_packed_or_read_back() -> None:
    echo = parse_workflow({"name": "t", "steps": [
        {"id": "nap", "app": "testkit", "action": "sleep", "params": {"seconds": 0.02}},
        {"id": "echo", "app": "testkit", "action": "echo", "needs": ["nap"],
         "params": {"value": "{{ trigger }}"}}]})
    store = MemoryStore()
    payloads = [{"n": n, "ip": "203.0.113.45", "tags": ["ssh", n], "nested": {"ok": True}}
                for n in range(4)]
    made = []
    for payload in payloads:
        record = ExecutionRecord(new_id(), "wf", 1, echo, ExecutionStatus.QUEUED, "api",
                                 payload=payload, created_at=utcnow())
        store.add(record)
        made.append(record)

    async def body(executor: LocalExecutor) -> None:
        for record in made:
            executor.submit_record(record)
        await settle(executor)

    asyncio.run(run(store, body, concurrency=1, keep_records=2))
    assert [store.executions[r.id].steps["echo"].output for r in made] == payloads
