"""A PostgreSQL database of this test process's own.

Test runs on one machine (a developer's, a helper's, CI) must not empty each other's
tables, so each process creates ``tf_test_<pid>`` next to the ``test`` database and drops it
at exit.
"""

from __future__ import annotations

import atexit
import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("THREATFLOW_TEST_PG",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_created: list[str] = []


def _admin_execute(statement: str) -> None:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _drop() -> None:
    for name in _created:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_url() -> str:
    """The URL of this process's database, emptied."""
    name = f"tf_test_{os.getpid()}"
    url = make_url(ADMIN_URL).set(database=name)
    if not _created:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin_execute(f'CREATE DATABASE "{name}"')
        _created.append(name)
        atexit.register(_drop)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url.render_as_string(hide_password=False)
