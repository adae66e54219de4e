"""How fast the executions list answers with 100,000 executions stored (SQLite)."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from threatflow.config import Settings
from threatflow.core import Core
from threatflow.executions.store import EXECUTIONS
from threatflow.ids import new_id, utcnow

COUNT = 100_000
STATUSES = ("succeeded", "succeeded", "succeeded", "failed", "cancelled")
SOURCES = ("webhook", "webhook", "schedule", "manual")


def _fill(core: Core, workflow_ids: list[str]) -> None:
    start = utcnow() - timedelta(days=30)
    rows: list[dict[str, Any]] = []
    for n in range(COUNT):
        created = start + timedelta(seconds=n * 25)
        rows.append({
            "id": new_id(), "workflow_id": random.choice(workflow_ids), "revision": 1,
            "status": random.choice(STATUSES), "source": random.choice(SOURCES),
            "trigger_id": "hook", "payload": {"n": n}, "created_at": created,
            "started_at": created, "finished_at": created + timedelta(milliseconds=40),
        })
    with core.db.engine.begin() as connection:
        for chunk in range(0, COUNT, 5000):
            connection.execute(insert(EXECUTIONS), rows[chunk:chunk + 5000])


def _time(fn: Any, runs: int = 30) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def listing() -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(Settings(data_dir=Path(tmp), examples=False))
        core.migrate()
        flow = {"name": "w", "steps": [{"id": "a", "app": "tools", "action": "repeat_back",
                                        "params": {"value": 1}}]}
        ids = [core.workflows.create({**flow, "name": f"w{i}"})["id"] for i in range(20)]
        _fill(core, ids)
        search = core.executions.search
        deep = search(limit=50)
        for _ in range(100):
            deep = search(limit=50, cursor=deep["next_cursor"])
        cases = {
            "first page": lambda: search(limit=50),
            "status=failed": lambda: search(status="failed", limit=50),
            "one workflow": lambda: search(workflow_id=ids[3], limit=50),
            "source + status": lambda: search(source="schedule", status="cancelled", limit=50),
            "page 100 (cursor)": lambda: search(limit=50, cursor=deep["next_cursor"]),
        }
        rows = [[f"executions list, 100k stored: {name}", f"{_time(fn):.1f} ms", "median of 30",
                 "50 per page"] for name, fn in cases.items()]
        core.db.dispose()
        return rows
