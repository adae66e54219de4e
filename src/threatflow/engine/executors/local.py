"""The in-process executor: an asyncio task per running execution, a bounded number at once.

Executions beyond ``concurrency`` wait in a queue. The first ``keep_records`` queued keep the
record the caller passed, with the alert packed as JSON bytes (a few times smaller than the
parsed alert, and unpacked in microseconds, where reading it back from the database costs a
fifth of a millisecond); the rest keep only their id and are read back when their turn
comes. An alert storm, or a restart that resumes a million queued executions, therefore
costs bounded memory: the alerts are in the database already.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import orjson

from threatflow.db.engine import dumps
from threatflow.engine.runner import Runner
from threatflow.engine.store import ExecutionRecord

log = logging.getLogger(__name__)


class LocalExecutor:
    """Advances executions in this process; ``concurrency`` caps how many run at once."""

    def __init__(self, runner: Runner, concurrency: int = 128,
                 keep_records: int = 50_000) -> None:
        self.runner = runner
        self._concurrency = concurrency
        self._keep_records = keep_records
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._queue: OrderedDict[str, _Packed | None] = OrderedDict()
        self._kept = 0  # queued entries that hold a record
        self._cancelling: set[str] = set()
        self._dropped: set[str] = set()  # cancelled while queued: skipped when their turn comes
        self._lock = threading.Lock()  # cancel() comes from API threads

    @property
    def in_flight(self) -> int:
        """Executions running here or queued to run."""
        return len(self._tasks) + len(self._queue)

    def submit(self, execution_id: str, record: ExecutionRecord | None = None) -> None:
        if execution_id in self._tasks or execution_id in self._queue:
            return
        if len(self._tasks) < self._concurrency:
            self._start(execution_id, record)
            return
        packed = None  # None: read back from the database when its turn comes
        if record is not None and self._kept < self._keep_records:
            self._kept += 1
            packed = _Packed(record)
        with self._lock:
            self._queue[execution_id] = packed

    def submit_record(self, record: ExecutionRecord) -> None:
        self.submit(record.id, record)

    def _start(self, execution_id: str, record: ExecutionRecord | None) -> None:
        task = asyncio.get_running_loop().create_task(self._run(execution_id, record))
        self._tasks[execution_id] = task
        task.add_done_callback(lambda _t: self._finished(execution_id))

    def _finished(self, execution_id: str) -> None:
        self._tasks.pop(execution_id, None)
        while self._queue and len(self._tasks) < self._concurrency:
            with self._lock:
                next_id, packed = self._queue.popitem(last=False)
                dropped = next_id in self._dropped
                self._dropped.discard(next_id)
                if not dropped:
                    self._start(next_id, packed.unpack() if packed is not None else None)
            if packed is not None:
                self._kept -= 1

    async def _run(self, execution_id: str, record: ExecutionRecord | None) -> None:
        try:
            await self.runner.advance(execution_id, record)
        except asyncio.CancelledError:
            if execution_id not in self._cancelling:
                raise
        except Exception:  # a broken execution must not take the executor down
            log.exception("execution %s stopped with an internal error", execution_id)
        finally:
            self._cancelling.discard(execution_id)

    def is_running(self, execution_id: str) -> bool:
        """Whether this process runs the execution or has it queued."""
        if execution_id in self._tasks:
            return True
        return execution_id in self._queue and execution_id not in self._dropped

    def is_cancelling(self, execution_id: str) -> bool:
        return execution_id in self._cancelling

    def cancel(self, execution_id: str) -> bool:
        """Cancel an execution of this process; False when none of its steps runs here.

        Called from API threads. A queued execution is only marked to be skipped (False:
        nothing runs, the caller records the cancellation in the database).
        """
        with self._lock:
            task = self._tasks.get(execution_id)
            if task is None:
                if execution_id in self._queue:
                    self._dropped.add(execution_id)
                return False
        self._cancelling.add(execution_id)
        task.get_loop().call_soon_threadsafe(task.cancel)
        return True

    async def drain(self, grace: float) -> None:
        """Wait for running executions, then stop the rest; queued and stopped executions
        stay unfinished in the database and resume at the next start."""
        self._queue.clear()
        self._dropped.clear()
        self._kept = 0
        tasks = list(self._tasks.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


class _Packed:
    """A queued execution's record with its alert as JSON bytes."""

    __slots__ = ("_payload", "_record")

    def __init__(self, record: ExecutionRecord) -> None:
        self._record = replace(record, payload=None)
        self._payload = dumps(record.payload).encode()

    def unpack(self) -> ExecutionRecord:
        payload: Any = orjson.loads(self._payload)
        self._record.payload = payload
        return self._record
