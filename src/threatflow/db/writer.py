"""Group commit: hot-path writes from many coroutines share one transaction.

Webhook intake and step runs are small writes that arrive by the thousand. Each is a function
of a connection; a writer runs every function queued since its last commit inside one
transaction, commits once, then wakes each caller. A caller is answered only after its write
is durable, so a 202 or a recorded step still means "committed". Plain parameter sets
(:class:`Op`) of the same statement are sent as one ``executemany``; callables run first, in
order. If a batch fails, its items are retried one by one so that a single bad write fails
alone.

Two writers share that batching:

- :class:`LoopWriter` (SQLite) commits on the event loop's own thread, once per loop turn.
  A SQLite commit in WAL mode is a few microseconds of work per row and never waits on the
  network, while a writer thread would wait for the GIL each time the sqlite3 module hands it
  back (once per row): under load that wait, not SQLite, was the cost of every write.
  Checkpoints, the one slow part (they copy the log into the database and fsync), run in a
  thread of their own, where the GIL is released for the whole checkpoint.
- :class:`GroupWriter` (PostgreSQL) commits in a thread, since each statement waits for a
  round trip to the server.
"""

from __future__ import annotations

import asyncio
import logging
import operator
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Dialect, Engine, Executable, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeEngine

from threatflow.db.base import UTCDateTime
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


class Writer(Protocol):
    """What the stores need of a writer."""

    def start(self) -> None: ...

    async def write(self, fn: Callable[[Connection], T] | Op) -> T: ...

    def write_later(self, work: Callable[[Connection], Any] | Op, what: str) -> None: ...

    async def stop(self) -> None: ...


class _Plan:
    """A statement compiled once to the driver's SQL, with the bind processors in order."""

    __slots__ = ("_constants", "_get", "_processed", "sql")

    def __init__(self, sql: str, names: tuple[str, ...], constants: dict[str, Any],
                 processors: tuple[Callable[[Any], Any] | None, ...]) -> None:
        self.sql = sql
        self._constants = constants  # the statement's own values, by name
        self._get = operator.itemgetter(*names) if len(names) > 1 else (
            lambda params: (params[names[0]],))
        self._processed = [(index, process) for index, process in enumerate(processors)
                           if process is not None]

    def row(self, params: dict[str, Any]) -> tuple[Any, ...]:
        values = list(self._get({**self._constants, **params} if self._constants else params))
        for index, process in self._processed:
            values[index] = process(values[index])
        return tuple(values)


def _plan(statement: Executable, keys: list[str], dialect: Dialect) -> _Plan | None:
    """A plan for sending parameter sets straight to the driver, or None when the statement
    needs more of SQLAlchemy than its bind processors (column defaults to compute, named
    parameter styles)."""
    if not isinstance(statement, ClauseElement):
        return None
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    if not isinstance(compiled, SQLCompiler) or not compiled.positional:
        return None
    if compiled.insert_prefetch or compiled.update_prefetch or compiled.postfetch:
        return None
    names = tuple(compiled.positiontup or ())
    binds = compiled.binds  # by the names the SQL uses
    if not names:
        return None
    constants: dict[str, Any] = {}
    for name in names:
        bind = binds.get(name)
        if bind is None:
            return None
        if name not in keys:
            if bind.callable is not None or bind.required:
                return None
            constants[name] = bind.value
    processors = tuple(_processor(binds[name].type, dialect) for name in names)
    return _Plan(compiled.string, names, constants, processors)


def _processor(type_: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    if dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
        return sqlite_datetime
    return type_.dialect_impl(dialect).bind_processor(dialect)


def sqlite_datetime(value: datetime | None) -> str | None:
    """What SQLAlchemy's SQLite DATETIME stores for a UTC datetime, in a fifth of the time:
    ``2026-12-03 10:15:01.120000``."""
    if value is None:
        return None
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


class _Batches:
    """Commits batches of work on one long-lived connection.

    Ops go straight to the driver's ``executemany`` with SQL compiled once per statement:
    SQLAlchemy's per-execution work was most of the cost of a batch.
    """

    def __init__(self, engine: Engine,
                 setup: Callable[[Connection], None] | None = None) -> None:
        self._engine = engine
        self._setup = setup
        self._connection: Connection | None = None
        self._plans: dict[tuple[int, tuple[str, ...]], _Plan | None] = {}
        self.batches = 0
        self.writes = 0

    def commit(self, work: list[Work]) -> list[Any]:
        results: list[Any] = [None] * len(work)
        grouped: dict[int, tuple[Executable, list[dict[str, Any]]]] = {}
        connection = self.connection()
        try:
            with connection.begin():
                for index, item in enumerate(work):
                    if isinstance(item, Op):
                        grouped.setdefault(id(item.statement), (item.statement, []))[1].append(
                            item.params)
                    else:
                        results[index] = item(connection)
                for statement, params in grouped.values():
                    self._execute(connection, statement, params)
        except Exception:
            # start the next batch on a fresh connection: this one may be broken
            self.release()
            raise
        self.batches += 1
        self.writes += len(work)
        return results

    def _execute(self, connection: Connection, statement: Executable,
                 params: list[dict[str, Any]]) -> None:
        keys = tuple(sorted(params[0]))
        key = (id(statement), keys)
        if key not in self._plans:
            self._plans[key] = _plan(statement, list(keys), connection.dialect)
        plan = self._plans[key]
        if plan is None or any(len(p) != len(keys) for p in params):
            connection.execute(statement, params)
            return
        rows = [plan.row(p) for p in params]
        dbapi = connection.dialect.loaded_dbapi
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(plan.sql, rows)
        except dbapi.Error as exc:
            raise DBAPIError.instance(plan.sql, rows[:1], exc, dbapi.Error) from exc
        finally:
            cursor.close()

    def connection(self) -> Connection:
        if self._connection is None or self._connection.invalidated:
            self._connection = self._engine.connect()
            if self._setup is not None:
                self._setup(self._connection)
        return self._connection

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def settle(self, batch: list[_Item]) -> None:
        """Commit a batch and answer its callers; on failure retry each item alone."""
        try:
            results = self.commit([work for work, _, _ in batch])
        except Exception:
            log.warning("batch of %d writes failed; retrying one by one", len(batch))
            for item in batch:
                self._single(item)
            return
        for (_, future, loop), result in zip(batch, results, strict=True):
            _answer(loop, future, result, None)

    def _single(self, item: _Item) -> None:
        work, future, loop = item
        try:
            result = self.commit([work])[0]
        except SQLAlchemyError as exc:
            log.error("database write failed: %s", exc)
            _answer(loop, future, None,
                    Unavailable(f"database write failed: {type(exc).__name__}"))
        except Exception as exc:
            _answer(loop, future, None, exc)
        else:
            _answer(loop, future, result, None)


class _QueuedWriter(ABC):
    """What both writers share: callers queue work with a future; ``_enqueue`` decides how
    the queue gets committed."""

    def __init__(self, batches: _Batches, max_batch: int) -> None:
        self._batches = batches
        self._max_batch = max_batch
        self._queue: deque[_Item] = deque()
        self._closed = False

    @property
    def batches(self) -> int:
        return self._batches.batches

    async def write(self, fn: Callable[[Connection], T] | Op) -> T:
        """Run ``fn`` (or the op) in the next committed batch and return its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._enqueue(fn, future, loop)
        return await future

    def write_later(self, work: Callable[[Connection], Any] | Op, what: str) -> None:
        """Queue a write without waiting for its commit; a failure is logged.

        The writes queued after it by the same caller commit in the same batch or a later
        one, never before it.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        future.add_done_callback(lambda f: _log_failure(f, what))
        self._enqueue(work, future, loop)

    @abstractmethod
    def _enqueue(self, work: Work, future: asyncio.Future[Any],
                 loop: asyncio.AbstractEventLoop) -> None: ...


class LoopWriter(_QueuedWriter):
    """Commits on the event loop's thread: every write queued during one loop turn is
    committed together at the start of the next. For SQLite."""

    def __init__(self, engine: Engine, max_batch: int = 1024) -> None:
        super().__init__(_Batches(engine, _leave_checkpoints), max_batch)
        self._scheduled: asyncio.AbstractEventLoop | None = None
        self._checkpoints = _Checkpointer(engine)

    def start(self) -> None:
        self._checkpoints.start()

    def _enqueue(self, work: Work, future: asyncio.Future[Any],
                 loop: asyncio.AbstractEventLoop) -> None:
        if self._closed:
            raise Unavailable("the database writer is stopped")
        self._queue.append((work, future, loop))
        if self._scheduled is None:
            self._scheduled = loop
            loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = None
        while self._queue:
            count = min(len(self._queue), self._max_batch)
            self._batches.settle([self._queue.popleft() for _ in range(count)])
        self._checkpoints.wrote()

    async def stop(self) -> None:
        """Commit what is queued, then stop."""
        self._flush()
        self._closed = True
        await asyncio.to_thread(self._checkpoints.close)
        self._batches.release()


def _leave_checkpoints(connection: Connection) -> None:
    # the writer's connection leaves checkpoints to the checkpointer's thread
    connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
    connection.commit()


class _Checkpointer:
    """Copies the SQLite write-ahead log into the database from a thread of its own.

    ``wrote`` is cheap: it counts batches and wakes the thread now and then; the thread runs
    a passive checkpoint, which never blocks readers or the writer."""

    def __init__(self, engine: Engine, every: int = 64) -> None:
        self._engine = engine
        self._every = every
        self._count = 0
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="threatflow-checkpoint",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wrote(self) -> None:
        self._count += 1
        if self._count % self._every == 0:
            self._wake.set()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        with self._engine.connect() as connection:
            while not self._closed:
                self._wake.wait(timeout=1.0)
                self._wake.clear()
                try:
                    self._checkpoint(connection)
                except SQLAlchemyError as exc:
                    log.warning("WAL checkpoint failed: %s", exc)
            self._checkpoint(connection)

    def _checkpoint(self, connection: Connection) -> None:
        # Passive: copies what no reader still needs and never takes the write lock. Once
        # all of the log is copied, the next write starts it again from the beginning.
        connection.execute(text("PRAGMA wal_checkpoint(PASSIVE)")).one()
        connection.commit()


class GroupWriter(_QueuedWriter):
    """A writer thread that batches transactions; for PostgreSQL."""

    def __init__(self, engine: Engine, max_batch: int = 512) -> None:
        super().__init__(_Batches(engine), max_batch)
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="threatflow-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _enqueue(self, work: Work, future: asyncio.Future[Any],
                 loop: asyncio.AbstractEventLoop) -> None:
        with self._wake:
            if self._closed:
                raise Unavailable("the database writer is stopped")
            self._queue.append((work, future, loop))
            self._wake.notify()

    async def stop(self) -> None:
        """Commit what is queued, then stop the thread."""
        await asyncio.to_thread(self.close)

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
            while (batch := self._take()) is not None:
                self._batches.settle(batch)
        finally:
            self._batches.release()


def make_writer(engine: Engine) -> LoopWriter | GroupWriter:
    """The writer that suits the engine's database."""
    if engine.dialect.name == "sqlite":
        return LoopWriter(engine)
    return GroupWriter(engine)


def _answer(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], result: Any,
            error: BaseException | None) -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        _resolve(future, result, error)
    elif not loop.is_closed():
        loop.call_soon_threadsafe(_resolve, future, result, error)


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
