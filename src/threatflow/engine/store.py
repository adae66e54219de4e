"""What the runner reads and writes, and where: the :class:`Store` protocol.

The SQL store (``threatflow.executions.store``) is what the server and workers use; the
memory store here serves ``threatflow run`` (no server, no database) and the unit tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from threatflow.engine.model import Workflow
from threatflow.engine.planner import ExecutionStatus, StepState, StepStatus
from threatflow.errors import NotFound


@dataclass(slots=True)
class StepRecord:
    """One attempt of one step, as stored."""

    step_id: str
    attempt: int
    status: StepStatus
    input: Any = None
    output: Any = None
    output_truncated: bool = False
    error_type: str | None = None
    error_message: str | None = None
    retryable: bool = False
    reused: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def state(self) -> StepState:
        return StepState(self.status, self.attempt, self.error_type, self.retryable)

    def error(self) -> dict[str, Any] | None:
        if self.error_type is None:
            return None
        return {"type": self.error_type, "message": self.error_message,
                "retryable": self.retryable}


@dataclass(slots=True)
class ExecutionRecord:
    """An execution with its workflow revision and the latest attempt of each step."""

    id: str
    workflow_id: str
    revision: int
    workflow: Workflow
    status: ExecutionStatus
    source: str
    trigger_id: str = ""
    payload: Any = None
    result: Any = None
    error: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    deadline_at: datetime | None = None
    steps: dict[str, StepRecord] = field(default_factory=dict)
    history: list[StepRecord] = field(default_factory=list)


class Store(Protocol):
    """Persistence the runner needs. Every method is one durable write or one read."""

    async def load(self, execution_id: str) -> ExecutionRecord: ...

    async def start(self, execution_id: str, started_at: datetime, deadline_at: datetime) -> None:
        ...

    async def save_step(self, execution_id: str, record: StepRecord) -> None: ...

    async def finish(
        self,
        execution_id: str,
        status: ExecutionStatus,
        *,
        finished_at: datetime,
        error: str | None = None,
        result: Any = None,
    ) -> None: ...


class MemoryStore:
    """A store that keeps everything in a dict, for in-process runs and tests."""

    def __init__(self) -> None:
        self.executions: dict[str, ExecutionRecord] = {}

    def add(self, record: ExecutionRecord) -> None:
        self.executions[record.id] = record

    async def load(self, execution_id: str) -> ExecutionRecord:
        try:
            record = self.executions[execution_id]
        except KeyError:
            raise NotFound("execution", execution_id) from None
        return replace(record, steps=dict(record.steps), history=list(record.history))

    async def start(self, execution_id: str, started_at: datetime, deadline_at: datetime) -> None:
        record = self.executions[execution_id]
        record.status = ExecutionStatus.RUNNING
        record.started_at = record.started_at or started_at
        record.deadline_at = record.deadline_at or deadline_at

    async def save_step(self, execution_id: str, record: StepRecord) -> None:
        execution = self.executions[execution_id]
        execution.steps[record.step_id] = record
        execution.history.append(record)

    async def finish(
        self,
        execution_id: str,
        status: ExecutionStatus,
        *,
        finished_at: datetime,
        error: str | None = None,
        result: Any = None,
    ) -> None:
        record = self.executions[execution_id]
        record.status = status
        record.finished_at = finished_at
        record.error = error
        record.result = result
