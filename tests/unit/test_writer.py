"""The group writers: batching, failure isolation, the driver fast path, checkpoints."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select, text

from threatflow.db.engine import make_engine
from threatflow.db.migrate import upgrade
from threatflow.db.writer import GroupWriter, LoopWriter, Op, make_writer
from threatflow.engine.planner import StepStatus
from threatflow.engine.store import StepRecord
from threatflow.errors import Unavailable
from threatflow.executions.store import EXECUTIONS, INSERT_EXECUTION, STEP_RUNS, step_values

WHEN = datetime(2026, 12, 3, 10, 15, 1, 120000, tzinfo=UTC)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    return url


def execution(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"e{n:031d}", "workflow_id": "w", "revision": 1, "status": "queued",
            "source": "api", "trigger_id": "hook", "payload": {"n": n, "ip": "203.0.113.45"},
            "created_at": WHEN, "parent_id": None, "cancel_requested": False, **extra}


def test_sqlite_gets_the_loop_writer_and_postgres_the_thread() -> None:
    assert isinstance(make_writer(make_engine("sqlite://")), LoopWriter)
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert isinstance(make_writer(engine), GroupWriter)


@pytest.mark.parametrize("kind", [LoopWriter, GroupWriter])
def test_concurrent_writes_share_commits_and_read_back_as_sqlalchemy_wrote_them(
        url: str, kind: type[LoopWriter] | type[GroupWriter]) -> None:
    engine = make_engine(url)
    writer = kind(engine)

    async def main() -> None:
        writer.start()
        await asyncio.gather(*(writer.write(Op(INSERT_EXECUTION, execution(n)))
                               for n in range(200)))
        await writer.stop()

    asyncio.run(main())
    assert writer.batches < 20  # 200 writes, a handful of transactions
    with engine.connect() as connection:
        rows = connection.execute(select(EXECUTIONS).order_by(EXECUTIONS.c.id)).all()
        # the same values written by SQLAlchemy's own path compare equal
        connection.execute(insert(EXECUTIONS), execution(999))
        reference = connection.execute(
            select(EXECUTIONS).where(EXECUTIONS.c.id == execution(999)["id"])).one()
    assert len(rows) == 200
    first = rows[0]._asdict()
    assert first["payload"] == {"n": 0, "ip": "203.0.113.45"}
    assert first["created_at"] == WHEN and first["cancel_requested"] is False
    expected = reference._asdict()
    assert {k: v for k, v in first.items() if k not in ("id", "payload")} == {
        k: v for k, v in expected.items() if k not in ("id", "payload")}


def test_step_runs_keep_json_nulls_booleans_and_times(url: str) -> None:
    engine = make_engine(url)
    writer = LoopWriter(engine)
    record = StepRecord("notify", 2, StepStatus.FAILED, input={"content": "x"}, output=None,
                        error_type="http", error_message="429", retryable=True,
                        started_at=WHEN, finished_at=WHEN)

    async def main() -> None:
        await writer.write(Op(INSERT_EXECUTION, execution(1)))
        from threatflow.executions.store import INSERT_STEP
        await writer.write(Op(INSERT_STEP, step_values(execution(1)["id"], record)))
        await writer.stop()

    asyncio.run(main())
    with engine.connect() as connection:
        row = connection.execute(select(STEP_RUNS)).one()
    assert (row.input, row.output, row.retryable, row.reused) == ({"content": "x"}, None,
                                                                  True, False)
    assert (row.started_at, row.finished_at, row.attempt) == (WHEN, WHEN, 2)


def test_a_bad_write_fails_alone_as_unavailable(url: str) -> None:
    engine = make_engine(url)
    writer = LoopWriter(engine)

    async def main() -> list[Any]:
        good = [writer.write(Op(INSERT_EXECUTION, execution(n))) for n in range(5)]
        duplicate = writer.write(Op(INSERT_EXECUTION, execution(2)))  # same primary key
        results = await asyncio.gather(*good, duplicate, return_exceptions=True)
        await writer.stop()
        return results

    results = asyncio.run(main())
    assert results[:5] == [None] * 5
    assert isinstance(results[5], Unavailable)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM executions")).scalar() == 5


def test_a_callable_runs_in_the_batch_and_returns_its_result(url: str) -> None:
    writer = LoopWriter(make_engine(url))

    def count(connection: Connection) -> int:
        return int(connection.execute(text("SELECT count(*) FROM executions")).scalar() or 0)

    async def main() -> int:
        await writer.write(Op(INSERT_EXECUTION, execution(1)))
        found = await writer.write(count)
        await writer.stop()
        return found

    assert asyncio.run(main()) == 1


def test_write_later_logs_a_failure(url: str, caplog: pytest.LogCaptureFixture) -> None:
    writer = LoopWriter(make_engine(url))

    async def main() -> None:
        await writer.write(Op(INSERT_EXECUTION, execution(1)))
        writer.write_later(Op(INSERT_EXECUTION, execution(1)), "the duplicate")
        await asyncio.sleep(0.05)
        await writer.stop()

    with caplog.at_level(logging.ERROR):
        asyncio.run(main())
    assert "the duplicate was not stored" in caplog.text


def test_a_stopped_writer_refuses_writes(url: str) -> None:
    writer = LoopWriter(make_engine(url))

    async def main() -> None:
        await writer.stop()
        with pytest.raises(Unavailable):
            await writer.write(Op(INSERT_EXECUTION, execution(1)))

    asyncio.run(main())


def test_the_checkpointer_keeps_the_log_from_growing(url: str, tmp_path: Path) -> None:
    engine = make_engine(url)
    writer = LoopWriter(engine)
    wal = tmp_path / "w.db-wal"
    big = "x" * 4000

    async def main() -> list[int]:
        writer.start()
        sizes = []
        for round_ in range(6):
            await asyncio.gather(*(writer.write(Op(INSERT_EXECUTION, execution(
                round_ * 1000 + n, error=big))) for n in range(500)))
            await asyncio.sleep(1.3)  # the checkpointer runs at least once a second
            sizes.append(wal.stat().st_size)
        await writer.stop()
        return sizes

    sizes = asyncio.run(main())
    # each round writes about 2.5 MB; without checkpoints the log would pass 15 MB
    assert max(sizes) < 8_000_000, sizes
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM executions")).scalar() == 3000


@pytest.mark.parametrize("value", [
    WHEN, WHEN.replace(microsecond=0), datetime(2026, 1, 2, 3, 4, 5),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), None])
def test_the_fast_sqlite_datetime_matches_sqlalchemy(value: datetime | None) -> None:
    from threatflow.db.base import UTCDateTime
    from threatflow.db.writer import sqlite_datetime

    dialect = make_engine("sqlite://").dialect
    reference = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert reference is not None
    assert sqlite_datetime(value) == reference(value)
