"""Engine overhead per step: a chain of no-op steps, run in this process."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx

from threatflow.apps.registry import default_registry
from threatflow.config import Settings
from threatflow.core import Core
from threatflow.engine.model import parse_workflow
from threatflow.engine.planner import ExecutionStatus
from threatflow.engine.runner import Runner
from threatflow.engine.store import ExecutionRecord, MemoryStore
from threatflow.ids import new_id, utcnow

STEPS = 50
RUNS = 40


def chain(length: int) -> dict[str, object]:
    steps = [{"id": "s0", "app": "tools", "action": "repeat_back",
              "params": {"value": "{{ trigger.n }}"}}]
    steps += [{"id": f"s{i}", "app": "tools", "action": "repeat_back", "needs": [f"s{i - 1}"],
               "params": {"value": f"{{{{ steps.s{i - 1}.result }}}}"}}
              for i in range(1, length)]
    return {"name": "chain", "steps": steps}


async def _memory(runs: int) -> float:
    workflow = parse_workflow(chain(STEPS))
    store = MemoryStore()
    async with httpx.AsyncClient() as client:
        runner = Runner(store, default_registry(), client)
        started = time.perf_counter()
        for n in range(runs):
            record = ExecutionRecord(new_id(), "wf", 1, workflow, ExecutionStatus.QUEUED,
                                     "api", payload={"n": n}, created_at=utcnow())
            store.add(record)
            assert await runner.advance(record.id) is ExecutionStatus.SUCCEEDED
    return (time.perf_counter() - started) / (runs * STEPS) * 1000


async def _sql(runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(Settings(data_dir=Path(tmp), examples=False))
        core.migrate()
        await core.start(resume=False, schedule=False)
        try:
            workflow = parse_workflow(chain(STEPS))
            view = core.workflows.create(workflow)
            assert core.runner is not None
            started = time.perf_counter()
            for n in range(runs):
                record = ExecutionRecord(new_id(), view["id"], 1, workflow,
                                         ExecutionStatus.QUEUED, "api", payload={"n": n},
                                         created_at=utcnow())
                await core.store.create(record)
                status = await core.runner.advance(record.id, record)
                assert status is ExecutionStatus.SUCCEEDED
            return (time.perf_counter() - started) / (runs * STEPS) * 1000
        finally:
            await core.stop()


async def step_overhead() -> list[list[str]]:
    memory = await _memory(RUNS)
    sql = await _sql(RUNS)
    note = f"{STEPS}-step chain of no-op steps x {RUNS} runs, one at a time"
    return [
        ["engine overhead per step, memory store", f"{memory:.3f} ms", note, ""],
        ["engine overhead per step, SQLite store", f"{sql:.3f} ms", note,
         "each step run committed"],
    ]
