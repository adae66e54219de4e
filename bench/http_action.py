"""Engine overhead of one HTTP action: a workflow step vs the bare request, same stand-in."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from threatflow.config import Settings
from threatflow.core import Core
from threatflow.engine.model import parse_workflow
from threatflow.engine.planner import ExecutionStatus
from threatflow.engine.store import ExecutionRecord
from threatflow.ids import new_id, utcnow

RUNS = 300


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


async def http_action_overhead(url: str) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(Settings(data_dir=Path(tmp), examples=False))
        core.migrate()
        await core.start(resume=False, schedule=False)
        try:
            assert core.http is not None and core.runner is not None
            workflow = parse_workflow({"name": "one call", "steps": [{
                "id": "call", "app": "tools", "action": "http_request",
                "params": {"method": "POST", "url": url, "json": {"content": "x"}}}]})
            view = core.workflows.create(workflow)
            bare, stepped = [], []
            for _ in range(RUNS):
                started = time.perf_counter()
                await core.http.post(url, json={"content": "x"})
                bare.append((time.perf_counter() - started) * 1000)
                record = ExecutionRecord(new_id(), view["id"], 1, workflow,
                                         ExecutionStatus.QUEUED, "api", payload={},
                                         created_at=utcnow())
                await core.store.create(record)
                started = time.perf_counter()
                status = await core.runner.advance(record.id, record)
                stepped.append((time.perf_counter() - started) * 1000)
                assert status is ExecutionStatus.SUCCEEDED, core.executions.get(record.id)
        finally:
            await core.stop()
    bare50, bare99 = _percentiles(bare)
    step50, step99 = _percentiles(stepped)
    return [["engine overhead per HTTP action", f"{step50 - bare50:.2f} ms p50",
             f"p99 {step99 - bare99:.2f} ms; p50/p99 bare {bare50:.2f}/{bare99:.2f} ms, "
             f"as a step {step50:.2f}/{step99:.2f} ms", "incl. commits of start, step, finish"]]
