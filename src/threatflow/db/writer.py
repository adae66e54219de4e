"""Group commit: hot-path writes from many coroutines share one transaction.

Webhook intake and step runs are small writes that arrive by the thousand. Each is a function
of a connection; one thread runs every function queued since its last commit inside one
transaction, commits once, then wakes each caller. A caller is answered only after its write
is durable, so a 202 or a recorded step still means "committed". Plain parameter sets
(:class:`Op`) of the same statement are sent as one ``executemany``; callables run first, in
order. If a batch fails, its items are retried one by one so that a single bad write fails
alone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Executable
from sqlalchemy.exc import SQLAlchemyError

from threatflow.errors import Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Op:
    """One parameter set for a statement; ops of one statement in a batch run as one
    ``executemany``. Ops are for statements whose relative order does not matter."""

    statement: Executable
    params: dict[str, Any]


WriteFn = Callable[[Connection], Any]
Work = WriteFn | Op
_Item = tuple[Work, asyncio.Future[Any], asyncio.AbstractEventLoop]


class GroupWriter:
    """A writer thread that batches transactions; start it before use, close it at exit."""

    def __init__(self, engine: Engine, max_batch: int = 512) -> None:
        self._engine = engine
        self._connection: Connection | None = None  # the writer thread's own, kept open
        self._max_batch = max_batch
        self._queue: deque[_Item] = deque()
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="threatflow-writer", daemon=True)
        self.batches = 0
        self.writes = 0

    def start(self) -> None:
        self._thread.start()

    async def write(self, fn: Callable[[Connection], T] | Op) -> T:
        """Run ``fn`` (or the op) in the next committed batch and return its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._wake:
            if self._closed:
                raise Unavailable("the database writer is stopped")
            self._queue.append((fn, future, loop))
            self._wake.notify()
        return await future

    def write_later(self, work: Callable[[Connection], Any] | Op, what: str) -> None:
        """Queue a write without waiting for its commit; a failure is logged.

        For writes that only make progress visible: the writes queued after it from the same
        caller commit in the same batch or a later one, never before it.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        future.add_done_callback(lambda f: _log_failure(f, what))
        with self._wake:
            if self._closed:
                raise Unavailable("the database writer is stopped")
            self._queue.append((work, future, loop))
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _take(self) -> list[_Item] | None:
        with self._wake:
            while not self._queue and not self._closed:
                self._wake.wait()
            if not self._queue:
                return None
            count = min(len(self._queue), self._max_batch)
            return [self._queue.popleft() for _ in range(count)]

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            self._release()

    def _serve(self) -> None:
        while (batch := self._take()) is not None:
            try:
                results = self._commit([fn for fn, _, _ in batch])
            except Exception:
                log.warning("batch of %d writes failed; retrying one by one", len(batch))
                for item in batch:
                    self._single(item)
                continue
            self.batches += 1
            self.writes += len(batch)
            for (_, future, loop), result in zip(batch, results, strict=True):
                loop.call_soon_threadsafe(_resolve, future, result, None)

    def _commit(self, work: list[Work]) -> list[Any]:
        results: list[Any] = [None] * len(work)
        grouped: dict[int, tuple[Executable, list[dict[str, Any]]]] = {}
        if self._connection is None or self._connection.invalidated:
            self._connection = self._engine.connect()
        connection = self._connection
        try:
            with connection.begin():
                for index, item in enumerate(work):
                    if isinstance(item, Op):
                        grouped.setdefault(id(item.statement), (item.statement, []))[1].append(
                            item.params)
                    else:
                        results[index] = item(connection)
                for statement, params in grouped.values():
                    connection.execute(statement, params)
        except Exception:
            # start the next batch on a fresh connection: this one may be broken
            self._release()
            raise
        return results

    def _release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _single(self, item: _Item) -> None:
        work, future, loop = item
        try:
            result = self._commit([work])[0]
        except SQLAlchemyError as exc:
            log.error("database write failed: %s", exc)
            error: BaseException = Unavailable(f"database write failed: {type(exc).__name__}")
            loop.call_soon_threadsafe(_resolve, future, None, error)
        except Exception as exc:
            loop.call_soon_threadsafe(_resolve, future, None, exc)
        else:
            loop.call_soon_threadsafe(_resolve, future, result, None)


def _log_failure(future: asyncio.Future[Any], what: str) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("%s was not stored: %s", what, future.exception())


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
