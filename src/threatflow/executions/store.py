"""The SQL implementation of the engine's :class:`~threatflow.engine.store.Store`.

Writes go through the group writer (one transaction, and one ``executemany`` per statement,
for many concurrent writes); every write of one execution is awaited before the next is
sent, so batching never reorders them. Reads run in a worker thread. Parsed workflow
revisions are cached, since revisions never change.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from threatflow.db.engine import Database
from threatflow.db.writer import Op, Writer
from threatflow.engine.model import Workflow, parse_workflow
from threatflow.engine.planner import ExecutionStatus, StepStatus
from threatflow.engine.store import ExecutionRecord, StepRecord
from threatflow.errors import NotFound
from threatflow.executions.models import ExecutionRow, StepRunRow
from threatflow.ids import utcnow
from threatflow.workflows.models import RevisionRow

EXECUTIONS = cast(Table, ExecutionRow.__table__)
STEP_RUNS = cast(Table, StepRunRow.__table__)
REVISIONS = cast(Table, RevisionRow.__table__)

# Statements of the hot path, built once; the writer batches their parameter sets.
INSERT_EXECUTION = insert(EXECUTIONS)
INSERT_STEP = insert(STEP_RUNS)
START_EXECUTION = (
    update(EXECUTIONS)
    .where(EXECUTIONS.c.id == bindparam("b_id"))
    .values(status="running", started_at=bindparam("b_started"),
            deadline_at=bindparam("b_deadline"))
)
FINISH_EXECUTION = (
    update(EXECUTIONS)
    .where(EXECUTIONS.c.id == bindparam("b_id"))
    .values(status=bindparam("b_status"), finished_at=bindparam("b_finished"),
            error=bindparam("b_error"), result=bindparam("b_result"))
)


class RevisionCache:
    """Parsed workflow revisions by (workflow id, revision); revisions are immutable."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[tuple[str, int], Workflow] = OrderedDict()
        self._size = size

    def get(self, connection: Connection, workflow_id: str, revision: int) -> Workflow:
        key = (workflow_id, revision)
        found = self._items.get(key)
        if found is None:
            row = connection.execute(
                select(REVISIONS.c.definition).where(
                    REVISIONS.c.workflow_id == workflow_id, REVISIONS.c.revision == revision
                )
            ).first()
            if row is None:
                raise NotFound("workflow revision", f"{workflow_id}@{revision}")
            found = parse_workflow(row[0])
            self.put(workflow_id, revision, found)
        return found

    def put(self, workflow_id: str, revision: int, workflow: Workflow) -> None:
        self._items[(workflow_id, revision)] = workflow
        while len(self._items) > self._size:
            self._items.popitem(last=False)


def step_record(row: Any) -> StepRecord:
    return StepRecord(
        step_id=row.step_id,
        attempt=row.attempt,
        status=StepStatus(row.status),
        input=row.input,
        output=row.output,
        output_truncated=row.output_truncated,
        error_type=row.error_type,
        error_message=row.error_message,
        retryable=row.retryable,
        reused=row.reused,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def step_values(execution_id: str, record: StepRecord) -> dict[str, Any]:
    return {
        "execution_id": execution_id,
        "step_id": record.step_id,
        "attempt": record.attempt,
        "status": str(record.status),
        "input": record.input,
        "output": record.output,
        "output_truncated": record.output_truncated,
        "error_type": record.error_type,
        "error_message": record.error_message,
        "retryable": record.retryable,
        "reused": record.reused,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
    }


class SqlStore:
    """Executions and step runs in SQLite or PostgreSQL."""

    def __init__(self, db: Database, writer: Writer, revisions: RevisionCache) -> None:
        self.db = db
        self.writer = writer
        self.revisions = revisions

    async def load(self, execution_id: str) -> ExecutionRecord:
        return await asyncio.to_thread(self.load_sync, execution_id)

    def load_sync(self, execution_id: str) -> ExecutionRecord:
        with self.db.engine.connect() as connection:
            row = connection.execute(
                select(EXECUTIONS).where(EXECUTIONS.c.id == execution_id)
            ).first()
            if row is None:
                raise NotFound("execution", execution_id)
            workflow = self.revisions.get(connection, row.workflow_id, row.revision)
            steps = connection.execute(
                select(STEP_RUNS)
                .where(STEP_RUNS.c.execution_id == execution_id)
                .order_by(STEP_RUNS.c.id)
            ).all()
        record = ExecutionRecord(
            id=row.id, workflow_id=row.workflow_id, revision=row.revision, workflow=workflow,
            status=ExecutionStatus(row.status), source=row.source, trigger_id=row.trigger_id,
            payload=row.payload, result=row.result, error=row.error, created_at=row.created_at,
            started_at=row.started_at, finished_at=row.finished_at,
            deadline_at=row.deadline_at,
        )
        for step_row in steps:
            step = step_record(step_row)
            record.history.append(step)
            record.steps[step.step_id] = step
        return record

    async def create(self, record: ExecutionRecord) -> None:
        """Insert a queued execution (its payload is the alert) and commit it."""
        values = {
            "id": record.id, "workflow_id": record.workflow_id, "revision": record.revision,
            "status": str(record.status), "source": record.source,
            "trigger_id": record.trigger_id, "payload": record.payload,
            "created_at": record.created_at or utcnow(), "parent_id": None,
            "cancel_requested": False,
        }
        steps = [step_values(record.id, s) for s in record.history]

        if not steps:
            await self.writer.write(Op(INSERT_EXECUTION, values))
            return

        def write(connection: Connection) -> None:
            connection.execute(INSERT_EXECUTION, values)
            connection.execute(INSERT_STEP, steps)

        await self.writer.write(write)

    async def start(self, execution_id: str, started_at: datetime, deadline_at: datetime) -> None:
        # Not awaited: "running" only informs readers; a crash before it commits leaves the
        # execution queued, and queued executions are resumed too.
        self.writer.write_later(Op(START_EXECUTION, {
            "b_id": execution_id, "b_started": started_at, "b_deadline": deadline_at}),
            f"start of execution {execution_id}")

    async def save_step(self, execution_id: str, record: StepRecord) -> None:
        values = step_values(execution_id, record)
        if record.status is not StepStatus.CANCELLED:
            await self.writer.write(Op(INSERT_STEP, values))
            return

        def write(connection: Connection) -> None:
            # a cancelled task may still have committed its own record of this attempt
            connection.execute(
                STEP_RUNS.delete().where(
                    STEP_RUNS.c.execution_id == execution_id,
                    STEP_RUNS.c.step_id == record.step_id,
                    STEP_RUNS.c.attempt == record.attempt,
                )
            )
            connection.execute(INSERT_STEP, values)

        await self.writer.write(write)

    async def finish(
        self,
        execution_id: str,
        status: ExecutionStatus,
        *,
        finished_at: datetime,
        error: str | None = None,
        result: Any = None,
    ) -> None:
        # Not awaited either: every step run is already stored, so if the process dies
        # before this commits, the resumed execution finds nothing left to run and finishes
        # again with the same outcome.
        self.writer.write_later(Op(FINISH_EXECUTION, {
            "b_id": execution_id, "b_status": str(status), "b_finished": finished_at,
            "b_error": error, "b_result": result}), f"end of execution {execution_id}")
