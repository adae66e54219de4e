"""Executions: start, list with filters and cursors, show, cancel and rerun."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import jsonschema
from sqlalchemy import select, update

from threatflow.db.engine import Database
from threatflow.engine.model import Workflow
from threatflow.engine.planner import EXECUTION_FINAL, ExecutionStatus, StepStatus, compile_graph
from threatflow.engine.store import ExecutionRecord, StepRecord
from threatflow.errors import Conflict, InvalidInput
from threatflow.executions.models import ExecutionRow
from threatflow.executions.store import SqlStore
from threatflow.ids import iso, new_id, utcnow
from threatflow.workflows.models import WorkflowRow

SOURCES = ("webhook", "schedule", "manual", "api")
Submit = Callable[[ExecutionRecord], None]


def check_input(workflow: Workflow, payload: Any) -> None:
    """Refuse a payload that does not match the workflow's input schema, naming the field."""
    if workflow.input_schema is None:
        return
    validator = jsonschema.validators.validator_for(workflow.input_schema)(workflow.input_schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(payload))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise InvalidInput(error.message, field=f"input{where}")


def _duration_ms(started: datetime | None, finished: datetime | None) -> int | None:
    if started is None or finished is None:
        return None
    return int((finished - started).total_seconds() * 1000)


def summary(row: Any, workflow_name: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "workflow_id": row.workflow_id,
        "workflow_name": workflow_name,
        "revision": row.revision,
        "status": row.status,
        "source": row.source,
        "trigger_id": row.trigger_id,
        "created_at": iso(row.created_at),
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
        "duration_ms": _duration_ms(row.started_at, row.finished_at),
        "error": row.error,
    }


def step_view(record: StepRecord) -> dict[str, Any]:
    return {
        "step_id": record.step_id,
        "attempt": record.attempt,
        "status": str(record.status),
        "input": record.input,
        "output": record.output,
        "output_truncated": record.output_truncated,
        "error": record.error(),
        "reused": record.reused,
        "started_at": iso(record.started_at),
        "finished_at": iso(record.finished_at),
        "duration_ms": _duration_ms(record.started_at, record.finished_at),
    }


class ExecutionService:
    def __init__(self, db: Database, store: SqlStore, submit: Submit,
                 cancel_local: Callable[[str], bool],
                 in_flight: Callable[[str], list[StepRecord]] = lambda _id: []) -> None:
        self.db = db
        self.store = store
        self._submit = submit
        self._cancel_local = cancel_local
        self._in_flight = in_flight

    async def start(self, workflow_id: str, revision: int, workflow: Workflow, payload: Any, *,
                    source: str, trigger_id: str = "") -> str:
        """Commit a queued execution, then hand it to the executor. Returns its id."""
        check_input(workflow, payload)
        record = ExecutionRecord(
            id=new_id(), workflow_id=workflow_id, revision=revision, workflow=workflow,
            status=ExecutionStatus.QUEUED, source=source, trigger_id=trigger_id,
            payload=payload, created_at=utcnow(),
        )
        self.store.revisions.put(workflow_id, revision, workflow)
        await self.store.create(record)
        self._submit(record)
        return record.id

    def search(self, *, status: str | None = None, workflow_id: str | None = None,
             source: str | None = None, since: datetime | None = None,
             until: datetime | None = None, cursor: str | None = None,
             limit: int = 50) -> dict[str, Any]:
        if not 1 <= limit <= 500:
            raise InvalidInput("must be between 1 and 500", field="limit")
        if status is not None and status not in ExecutionStatus.__members__.values():
            raise InvalidInput(f"unknown status {status!r}", field="status")
        if source is not None and source not in SOURCES:
            raise InvalidInput(f"unknown source {source!r}", field="source")
        stmt = select(ExecutionRow, WorkflowRow.name).outerjoin(
            WorkflowRow, WorkflowRow.id == ExecutionRow.workflow_id)
        for column, value in ((ExecutionRow.status, status),
                              (ExecutionRow.workflow_id, workflow_id),
                              (ExecutionRow.source, source)):
            if value is not None:
                stmt = stmt.where(column == value)
        if since is not None:
            stmt = stmt.where(ExecutionRow.created_at >= since)
        if until is not None:
            stmt = stmt.where(ExecutionRow.created_at < until)
        if cursor:
            stmt = stmt.where(ExecutionRow.id < cursor)
        stmt = stmt.order_by(ExecutionRow.id.desc()).limit(limit + 1)
        with self.db.session() as session:
            rows = session.execute(stmt).all()
        items = [summary(row, name) for row, name in rows[:limit]]
        next_cursor = rows[limit - 1][0].id if len(rows) > limit else None
        return {"items": items, "next_cursor": next_cursor}

    def get(self, execution_id: str) -> dict[str, Any]:
        # One read for status and steps: a second read of the status could see the execution
        # finished while the steps read before it still miss the last step.
        record = self.store.load_sync(execution_id)
        view = summary(record, record.workflow.name)
        view.update(
            payload=record.payload,
            result=record.result,
            definition=record.workflow.model_dump(mode="json", exclude_none=True),
            steps=[step_view(s) for s in record.history + self._flying(record)],
        )
        return view

    def _flying(self, record: ExecutionRecord) -> list[StepRecord]:
        stored = {(s.step_id, s.attempt) for s in record.history}
        return [s for s in self._in_flight(record.id) if (s.step_id, s.attempt) not in stored]

    def cancel(self, execution_id: str) -> dict[str, Any]:
        record = self.store.load_sync(execution_id)
        if record.status in EXECUTION_FINAL:
            raise Conflict(f"execution {execution_id} is already {record.status}")
        with self.db.session() as session:
            session.execute(update(ExecutionRow).where(ExecutionRow.id == execution_id)
                            .values(cancel_requested=True))
        if not self._cancel_local(execution_id):
            with self.db.session() as session:
                session.execute(
                    update(ExecutionRow)
                    .where(ExecutionRow.id == execution_id,
                           ExecutionRow.status.in_(("queued", "running", "waiting")))
                    .values(status="cancelled", finished_at=utcnow(),
                            error="cancelled by a user")
                )
        with self.db.session() as session:
            row = session.get(ExecutionRow, execution_id)
            assert row is not None
            return summary(row, record.workflow.name)

    async def rerun(self, execution_id: str, from_step: str | None = None) -> str:
        """A new execution of the same revision and payload; with ``from_step``, earlier
        results that do not depend on that step are reused instead of run again."""
        old = await self.store.load(execution_id)
        reused: list[StepRecord] = []
        if from_step is not None:
            if from_step not in {s.id for s in old.workflow.steps}:
                raise InvalidInput(f"unknown step {from_step!r}", field="from_step")
            again = compile_graph(old.workflow).descendants(from_step) | {from_step}
            for step in old.steps.values():
                if step.step_id not in again and step.status is StepStatus.SUCCEEDED:
                    reused.append(StepRecord(
                        step.step_id, 1, step.status, step.input, step.output,
                        step.output_truncated, reused=True, started_at=step.started_at,
                        finished_at=step.finished_at))
        record = ExecutionRecord(
            id=new_id(), workflow_id=old.workflow_id, revision=old.revision,
            workflow=old.workflow, status=ExecutionStatus.QUEUED, source="manual",
            trigger_id=old.trigger_id, payload=old.payload, created_at=utcnow(),
            history=reused, steps={s.step_id: s for s in reused},
        )
        await self.store.create(record)
        self._submit(record)
        return record.id

    def unfinished(self) -> list[str]:
        """Executions a previous process left queued, running or waiting."""
        with self.db.session() as session:
            return list(session.scalars(
                select(ExecutionRow.id)
                .where(ExecutionRow.status.in_(("queued", "running", "waiting")))
                .order_by(ExecutionRow.id)
            ))

    def overdue(self, now: datetime) -> list[str]:
        with self.db.session() as session:
            return list(session.scalars(
                select(ExecutionRow.id).where(
                    ExecutionRow.status.in_(("running", "waiting")),
                    ExecutionRow.deadline_at < now)
            ))

    def fail(self, execution_id: str, reason: str) -> None:
        with self.db.session() as session:
            session.execute(
                update(ExecutionRow)
                .where(ExecutionRow.id == execution_id,
                       ExecutionRow.status.in_(("queued", "running", "waiting")))
                .values(status="failed", finished_at=utcnow(), error=reason)
            )

