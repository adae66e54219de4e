"""The only part of the engine that does step I/O: :meth:`Runner.advance`.

``advance(execution_id)`` loads an execution, asks the planner what to do, runs ready steps
concurrently, persists every step run as soon as it ends and repeats until the execution is
over. It is the unit of work of every executor: the in-process pool runs it as a task, a
Celery worker runs it for one message. Because a step run is written only when it ends, a
crash re-runs the steps that were in flight: steps run at least once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import orjson

from threatflow.apps.registry import Registry
from threatflow.apps.sdk import ActionContext, HttpClient
from threatflow.db.engine import dumps
from threatflow.engine.events import EventBus
from threatflow.engine.expressions import Expressions, default_expressions
from threatflow.engine.model import Step, Workflow
from threatflow.engine.planner import (
    EXECUTION_FINAL,
    ExecutionStatus,
    Graph,
    Plan,
    StepState,
    StepStatus,
    compile_graph,
    plan,
)
from threatflow.engine.store import ExecutionRecord, StepRecord, Store
from threatflow.errors import ActionError, ActionTimeout, ExpressionError, NotFound
from threatflow.ids import iso, utcnow
from threatflow.metrics import EXECUTIONS, STEP_SECONDS

log = logging.getLogger(__name__)

CredentialLookup = Callable[[str], Awaitable[Mapping[str, Any]]]


async def _no_credentials(name: str) -> Mapping[str, Any]:
    raise NotFound("credential", name)


@dataclass(slots=True)
class RunnerOptions:
    max_output: int = 1024 * 1024


@dataclass(slots=True)
class _Failure:
    error_type: str
    message: str
    retryable: bool = False


@dataclass(slots=True)
class _Run:
    """The working state of one ``advance`` call."""

    record: ExecutionRecord
    graph: Graph
    steps: Mapping[str, Step]
    context: dict[str, Any]
    states: dict[str, StepState] = field(default_factory=dict)
    tasks: dict[asyncio.Task[StepRecord], str] = field(default_factory=dict)
    flying: dict[str, StepRecord] = field(default_factory=dict)  # running or waiting
    expired: bool = False  # the workflow timeout interrupted this run


def _failure(exc: BaseException) -> _Failure:
    if isinstance(exc, ActionError):
        return _Failure(exc.error_type, str(exc), exc.retryable)
    if isinstance(exc, ExpressionError):
        return _Failure("expression", str(exc))
    if isinstance(exc, NotFound):
        return _Failure(exc.kind, str(exc))
    return _Failure("internal", f"{type(exc).__name__}: {exc}")


class Runner:
    """Advances executions; shared by every executor in a process."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        http: httpx.AsyncClient,
        *,
        credentials: CredentialLookup = _no_credentials,
        events: EventBus | None = None,
        expressions: Expressions | None = None,
        options: RunnerOptions | None = None,
        cancelled: Callable[[str], bool] = lambda _id: False,
        services: Mapping[str, Any] | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.http = http
        self.credentials = credentials
        self.events = events or EventBus()
        self.expressions = expressions or default_expressions()
        self.options = options or RunnerOptions()
        self.cancelled = cancelled
        # process services actions reach through ``ctx.extra`` (the asset inventory...): one
        # dict shared by every step, never copied on the hot path
        self.services: dict[str, Any] = (services if isinstance(services, dict)
                                         else dict(services or {}))
        self._graphs: dict[tuple[str, int], tuple[Workflow, Graph, dict[str, Step]]] = {}
        self._live: dict[str, _Run] = {}

    async def advance(self, execution_id: str, record: ExecutionRecord | None = None) -> (
        ExecutionStatus
    ):
        """Run an execution until it is over; returns its final status.

        ``record`` spares a database read when the caller has just created the execution.
        """
        record = record or await self.store.load(execution_id)
        if record.status in EXECUTION_FINAL:
            return record.status
        run = self._prepare(record)
        if record.status is ExecutionStatus.QUEUED or record.deadline_at is None:
            now = utcnow()
            deadline = now + timedelta(seconds=record.workflow.timeout)
            record.started_at, record.deadline_at = record.started_at or now, deadline
            await self.store.start(record.id, now, deadline)
            record.status = ExecutionStatus.RUNNING
            self._publish_execution(record)
        self._live[record.id] = run
        task = asyncio.current_task()
        assert task is not None
        # One timer per run enforces the workflow timeout, whatever is awaited when it fires.
        timer = asyncio.get_running_loop().call_later(
            max(_seconds_left(record), 0.0), self._expire, run, task)
        try:
            return await self._loop(run)
        except asyncio.CancelledError:
            if run.expired:
                task.uncancel()
                return await self._time_out(run)
            if self.cancelled(record.id):
                return await self._cancel(run)
            raise
        finally:
            timer.cancel()
            self._live.pop(record.id, None)

    @staticmethod
    def _expire(run: _Run, task: asyncio.Task[Any]) -> None:
        if not task.done():
            run.expired = True
            task.cancel()

    def in_flight(self, execution_id: str) -> list[StepRecord]:
        """Attempts of an execution advanced here that are running or waiting to retry.

        Step runs are stored when they end; this lets a reader see the ones under way.
        """
        run = self._live.get(execution_id)
        return list(run.flying.values()) if run is not None else []

    def _graph(self, record: ExecutionRecord) -> tuple[Graph, dict[str, Step]]:
        # Keyed by revision, checked by identity: stores hand out one parsed object per
        # revision, while an id reused for another definition (in-process runs) recompiles.
        key = (record.workflow_id, record.revision)
        found = self._graphs.get(key)
        if found is None or found[0] is not record.workflow:
            steps = {s.id: s for s in record.workflow.steps}
            found = record.workflow, compile_graph(record.workflow), steps
            if len(self._graphs) > 1000:
                self._graphs.clear()
            self._graphs[key] = found
        return found[1], found[2]

    def _prepare(self, record: ExecutionRecord) -> _Run:
        context = {
            "trigger": record.payload,
            "vars": record.workflow.vars,
            "steps": {},
            "execution": {"id": record.id, "workflow_id": record.workflow_id,
                          "source": record.source},
        }
        run = _Run(record, *self._graph(record), context)
        for step_id, step_record in record.steps.items():
            state = step_record.state
            if state.status in (StepStatus.RUNNING, StepStatus.WAITING):
                # left in flight by a crash: run it again (steps run at least once)
                state = StepState(StepStatus.PENDING, state.attempt)
            run.states[step_id] = state
            context["steps"][step_id] = _step_view(step_record)
        return run

    async def _loop(self, run: _Run) -> ExecutionStatus:
        record = run.record
        while True:
            decision = plan(run.graph, run.states)
            await self._skip(run, decision)
            if decision.done:
                assert decision.outcome is not None
                return await self._finish(run, decision)
            if _seconds_left(record) <= 0:
                return await self._time_out(run)
            if not run.tasks and not decision.retry and len(decision.start) == 1:
                # One step at a time (a chain, the common shape): run it in this coroutine,
                # sparing a task and a wait per step.
                step_id = decision.start[0]
                attempt = run.states.get(step_id, StepState()).attempt + 1
                run.states[step_id] = StepState(StepStatus.RUNNING, attempt)
                self._flying(run, step_id, attempt, StepStatus.RUNNING)
                step_record = await self._attempt(run, run.steps[step_id], attempt, 0.0)
                self._absorb(run, step_id, step_record)
                continue
            self._launch(run, decision)
            done, _ = await asyncio.wait(run.tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                step_id = run.tasks.pop(task)
                self._absorb(run, step_id, task.result())

    async def _skip(self, run: _Run, decision: Plan) -> None:
        for step_id, reason in decision.skip:
            now = utcnow()
            skipped = StepRecord(step_id, run.states.get(step_id, StepState()).attempt,
                                 StepStatus.SKIPPED, error_message=reason,
                                 started_at=now, finished_at=now)
            await self.store.save_step(run.record.id, skipped)
            self._absorb(run, step_id, skipped)

    def _launch(self, run: _Run, decision: Plan) -> None:
        for step_id in decision.start:
            attempt = run.states.get(step_id, StepState()).attempt + 1
            run.states[step_id] = StepState(StepStatus.RUNNING, attempt)
            self._fly(run, step_id, attempt, StepStatus.RUNNING, 0.0)
        for retry in decision.retry:
            delay = retry.delay * (1 + random.random() * retry.jitter)
            run.states[retry.step] = StepState(StepStatus.WAITING, retry.attempt - 1)
            self._fly(run, retry.step, retry.attempt, StepStatus.WAITING, delay)

    def _fly(self, run: _Run, step_id: str, attempt: int, status: StepStatus,
             delay: float) -> None:
        coro = self._attempt(run, run.steps[step_id], attempt, delay)
        run.tasks[asyncio.create_task(coro)] = step_id
        self._flying(run, step_id, attempt, status)

    def _flying(self, run: _Run, step_id: str, attempt: int, status: StepStatus) -> None:
        flying = StepRecord(step_id, attempt, status, started_at=utcnow())
        run.flying[step_id] = flying
        self._publish_step(run.record.id, flying)

    def _absorb(self, run: _Run, step_id: str, step_record: StepRecord) -> None:
        run.states[step_id] = step_record.state
        run.record.steps[step_id] = step_record
        run.context["steps"][step_id] = _step_view(step_record)
        run.flying.pop(step_id, None)
        self._publish_step(run.record.id, step_record)

    async def _attempt(self, run: _Run, step: Step, attempt: int, delay: float) -> StepRecord:
        if delay > 0:
            await asyncio.sleep(delay)
        started = utcnow()
        record = StepRecord(step.id, attempt, StepStatus.RUNNING, started_at=started)
        try:
            await self._execute(run, step, record)
        except Exception as exc:  # every failure is recorded, none escapes the step
            failure = _failure(exc)
            if failure.error_type == "internal":
                log.exception("step %s of execution %s crashed", step.id, run.record.id)
            record.status = StepStatus.FAILED
            record.error_type = failure.error_type
            record.error_message = failure.message
            record.retryable = failure.retryable
        record.finished_at = utcnow()
        _step_seconds(step.app, record.status).observe(
            (record.finished_at - started).total_seconds())
        await self.store.save_step(run.record.id, record)
        return record

    async def _execute(self, run: _Run, step: Step, record: StepRecord) -> None:
        where = f"steps.{step.id}"
        if step.when and not self.expressions.truthy(step.when, run.context, where=f"{where}.when"):
            record.status = StepStatus.SKIPPED
            record.error_message = "condition is false"
            return
        action = self.registry.action(step.app, step.action)
        credentials = await self._credentials(step)
        ctx = ActionContext(
            credentials=credentials,
            http=HttpClient(self.http, _StepLog(log, run.record.id, step.id)),
            log=_StepLog(logging.getLogger(f"threatflow.apps.{step.app}"), run.record.id,
                         step.id),
            execution_id=run.record.id,
            step_id=step.id,
            extra=self.services,
        )
        if step.foreach is None:
            params = self.expressions.render(step.params, run.context, where=f"{where}.params")
            record.input = params
            result = await self._call(action.invoke(ctx, params), step)
        else:
            record.input, result = await self._fan_out(run, step, ctx, action.invoke)
        record.output, record.output_truncated = self._bounded(result)
        record.status = StepStatus.SUCCEEDED

    async def _call(self, call: Awaitable[Any], step: Step) -> Any:
        if step.timeout is None:
            return await call
        try:
            async with asyncio.timeout(step.timeout):  # unlike wait_for, makes no task
                return await call
        except TimeoutError:
            raise ActionTimeout(step.timeout) from None

    async def _fan_out(
        self,
        run: _Run,
        step: Step,
        ctx: ActionContext,
        invoke: Callable[[ActionContext, Mapping[str, Any]], Awaitable[Any]],
    ) -> tuple[list[Any], list[Any]]:
        assert step.foreach is not None
        where = f"steps.{step.id}.foreach.items"
        items = self.expressions.render(step.foreach.items, run.context, where=where)
        if not isinstance(items, list):
            raise ActionError(f"{where} must be a list, got {type(items).__name__}",
                              error_type="expression")
        limit = asyncio.Semaphore(step.foreach.concurrency)
        inputs: list[Any] = [None] * len(items)

        async def one(index: int, item: Any) -> Any:
            scope = {**run.context, "item": item, "index": index}
            params = self.expressions.render(step.params, scope,
                                             where=f"steps.{step.id}.params")
            inputs[index] = params
            async with limit:
                return await self._call(invoke(ctx, params), step)

        results = await asyncio.gather(*(one(i, item) for i, item in enumerate(items)))
        return inputs, list(results)

    async def _credentials(self, step: Step) -> Mapping[str, Any]:
        if step.credential:
            return await self.credentials(step.credential)
        app = self.registry.get(step.app)
        if not app.credential_fields:
            return {}
        try:
            return await self.credentials(step.app)
        except NotFound:
            return {}

    def _bounded(self, result: Any) -> tuple[Any, bool]:
        """JSON-safe output, truncated (and flagged) when over ``max_output`` bytes."""
        if result is None or isinstance(result, bool | int | float):
            return result, False
        data = dumps(result).encode()
        if len(data) <= self.options.max_output:
            return (result if isinstance(result, str) else orjson.loads(data)), False
        preview = data[: self.options.max_output // 2].decode("utf-8", "ignore")
        return {"truncated": True, "size": len(data), "preview": preview}, True

    async def _finish(self, run: _Run, decision: Plan) -> ExecutionStatus:
        record = run.record
        assert decision.outcome is not None
        error = None
        if decision.failed:
            first = record.steps[decision.failed[0]]
            error = f"step {first.step_id} failed: {first.error_message}"
        result = self._output(run) if decision.outcome is ExecutionStatus.SUCCEEDED else None
        return await self._close(run, decision.outcome, error, result)

    def _output(self, run: _Run) -> Any:
        spec = run.record.workflow.output
        if spec is None:
            return None
        try:
            return self._bounded(self.expressions.render(spec, run.context, where="output"))[0]
        except ExpressionError as exc:
            return {"error": str(exc)}

    async def _close(
        self, run: _Run, status: ExecutionStatus, error: str | None, result: Any = None
    ) -> ExecutionStatus:
        record = run.record
        record.status, record.error, record.finished_at = status, error, utcnow()
        await self.store.finish(record.id, status, finished_at=record.finished_at, error=error,
                                result=result)
        EXECUTIONS.labels(str(status)).inc()
        self._publish_execution(record)
        return status

    async def _stop_tasks(self, run: _Run, status: StepStatus, reason: str) -> None:
        for task in run.tasks:
            task.cancel()
        # every step under way: those in tasks, and the one this coroutine was running
        for step_id in list(run.flying):
            now = utcnow()
            attempt = run.flying[step_id].attempt
            stopped = StepRecord(step_id, attempt, status, error_type="cancelled",
                                 error_message=reason, started_at=now, finished_at=now)
            await self.store.save_step(run.record.id, stopped)
            self._absorb(run, step_id, stopped)
        await asyncio.gather(*run.tasks, return_exceptions=True)
        run.tasks.clear()

    async def _time_out(self, run: _Run) -> ExecutionStatus:
        reason = f"workflow timeout of {run.record.workflow.timeout:g} s reached"
        await self._stop_tasks(run, StepStatus.CANCELLED, reason)
        return await self._close(run, ExecutionStatus.FAILED, reason)

    async def _cancel(self, run: _Run) -> ExecutionStatus:
        await self._stop_tasks(run, StepStatus.CANCELLED, "execution cancelled")
        return await self._close(run, ExecutionStatus.CANCELLED, "cancelled by a user")

    def _publish_execution(self, record: ExecutionRecord) -> None:
        if self.events.active:
            self.events.publish("execution", execution_event(record))

    def _publish_step(self, execution_id: str, record: StepRecord) -> None:
        if self.events.active:
            self.events.publish("step", {
                "execution_id": execution_id, "step_id": record.step_id,
                "status": str(record.status), "attempt": record.attempt,
                "started_at": iso(record.started_at), "finished_at": iso(record.finished_at),
            })


@functools.lru_cache(maxsize=1024)
def _step_seconds(app: str, status: StepStatus) -> Any:
    """The histogram child of an (app, status) pair; labels() looks it up under a lock."""
    return STEP_SECONDS.labels(app, str(status))


def execution_event(record: ExecutionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "workflow_id": record.workflow_id,
        "workflow_name": record.workflow.name,
        "revision": record.revision,
        "status": str(record.status),
        "source": record.source,
        "trigger_id": record.trigger_id,
        "created_at": iso(record.created_at),
        "started_at": iso(record.started_at),
        "finished_at": iso(record.finished_at),
        "error": record.error,
    }


def _step_view(record: StepRecord) -> dict[str, Any]:
    return {"result": record.output, "status": str(record.status), "error": record.error(),
            "attempt": record.attempt}


def _seconds_left(record: ExecutionRecord) -> float:
    if record.deadline_at is None:
        return float("inf")
    return (record.deadline_at - utcnow()).total_seconds()


class _StepLog(logging.LoggerAdapter[logging.Logger]):
    """Adds execution and step ids to every line an action logs."""

    def __init__(self, logger: logging.Logger, execution_id: str, step_id: str) -> None:
        super().__init__(logger, {"execution_id": execution_id, "step_id": step_id})

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        kwargs["extra"] = {**(kwargs.get("extra") or {}), **(self.extra or {})}
        return msg, kwargs

