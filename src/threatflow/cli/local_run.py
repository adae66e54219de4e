"""``threatflow run``: one workflow, in this process, with no server and no database.

Credentials come from ``THREATFLOW_CRED_<NAME>_<FIELD>`` environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from threatflow.apps.registry import Registry, default_registry
from threatflow.credentials.service import env_credentials
from threatflow.engine.model import load_workflow
from threatflow.engine.planner import ExecutionStatus
from threatflow.engine.runner import Runner
from threatflow.engine.store import ExecutionRecord, MemoryStore
from threatflow.engine.validate import Validator
from threatflow.errors import NotFound
from threatflow.executions.service import check_input, step_view, summary
from threatflow.ids import new_id, utcnow


def env_lookup(registry: Registry, environ: Mapping[str, str] | None = None) -> Any:
    found = env_credentials([a.name for a in registry.apps()], environ or os.environ)

    async def lookup(name: str) -> Mapping[str, Any]:
        if name.lower() not in found:
            raise NotFound("credential", name)
        return found[name.lower()]

    return lookup


async def run_file(path: Path, payload: Any, registry: Registry | None = None) -> dict[str, Any]:
    """Validate and run a workflow file; returns the execution as the API shows it."""
    registry = registry or default_registry()
    workflow = Validator(registry).ensure_valid(load_workflow(path))
    check_input(workflow, payload)
    store = MemoryStore()
    record = ExecutionRecord(
        id=new_id(), workflow_id="local", revision=1, workflow=workflow,
        status=ExecutionStatus.QUEUED, source="manual", payload=payload, created_at=utcnow())
    store.add(record)
    async with httpx.AsyncClient(timeout=30) as client:
        runner = Runner(store, registry, client, credentials=env_lookup(registry))
        await runner.advance(record.id)
    done = store.executions[record.id]
    view = summary(done, workflow.name)
    view.update(payload=done.payload, result=done.result,
                steps=[step_view(s) for s in done.history])
    return view
