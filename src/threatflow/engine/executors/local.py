"""The in-process executor: an asyncio task per execution, a bounded number at once."""

from __future__ import annotations

import asyncio
import logging

from threatflow.engine.planner import ExecutionStatus
from threatflow.engine.runner import Runner
from threatflow.engine.store import ExecutionRecord
from threatflow.ids import utcnow

log = logging.getLogger(__name__)


class LocalExecutor:
    """Advances executions in this process; ``concurrency`` caps how many run at once."""

    def __init__(self, runner: Runner, concurrency: int = 128) -> None:
        self.runner = runner
        self._limit = asyncio.Semaphore(concurrency)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._cancelling: set[str] = set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def submit(self, execution_id: str, record: ExecutionRecord | None = None) -> None:
        if execution_id in self._tasks:
            return
        task = asyncio.get_running_loop().create_task(self._run(execution_id, record))
        self._tasks[execution_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(execution_id, None))

    def submit_record(self, record: ExecutionRecord) -> None:
        self.submit(record.id, record)

    async def _run(self, execution_id: str, record: ExecutionRecord | None) -> None:
        try:
            async with self._limit:
                await self.runner.advance(execution_id, record)
        except asyncio.CancelledError:
            if execution_id not in self._cancelling:
                raise
            # cancelled while still queued here: advance() never started
            await self.runner.store.finish(execution_id, ExecutionStatus.CANCELLED,
                                           finished_at=utcnow(), error="cancelled by a user")
        except Exception:  # a broken execution must not take the executor down
            log.exception("execution %s stopped with an internal error", execution_id)
        finally:
            self._cancelling.discard(execution_id)

    def is_running(self, execution_id: str) -> bool:
        return execution_id in self._tasks

    def is_cancelling(self, execution_id: str) -> bool:
        return execution_id in self._cancelling

    def cancel(self, execution_id: str) -> bool:
        """Cancel a running execution of this process; False when it is not here."""
        task = self._tasks.get(execution_id)
        if task is None:
            return False
        self._cancelling.add(execution_id)
        task.get_loop().call_soon_threadsafe(task.cancel)
        return True

    async def drain(self, grace: float) -> None:
        """Wait for running executions, then stop the rest (they resume at next start)."""
        tasks = list(self._tasks.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
