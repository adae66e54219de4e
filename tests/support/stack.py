"""A started Threatflow app behind a TestClient, for fixtures wider than one test.

``tests/conftest.py`` gives each test a fresh ``api``; suites that fire many alerts at one
set-up (a module-scoped fixture) build it with :func:`running_api` instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from tests.support import testapp

from threatflow.apps.registry import Registry, default_registry
from threatflow.config import Settings

TOKEN = "stack-admin-token-0123456789"
PG_URL = os.environ.get("THREATFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = ("sqlite", "postgres")
# for fixtures that run once per database: ``@pytest.fixture(params=BY_DATABASE)``
BY_DATABASE = [pytest.param(kind, marks=[pytest.mark.postgres] if kind == "postgres" else [])
               for kind in DATABASES]


def database_url(kind: str, folder: Path) -> str:
    """A fresh database: a new SQLite file in ``folder``, or the emptied test PostgreSQL."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'threatflow.db'}"
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return PG_URL


def make_settings(folder: Path, database: str, **overrides: Any) -> Settings:
    """Settings for a test process: data in ``folder``, the admin token :data:`TOKEN`."""
    values: dict[str, Any] = {
        "data_dir": folder / "data", "database_url": database_url(database, folder),
        "admin_password": "stack-pw", "admin_token": TOKEN, "examples": False,
        **overrides,
    }
    return Settings(**values)


def registry_with_testkit() -> Registry:
    registry = default_registry()
    registry.add(testapp.app)
    return registry


@contextmanager
def running_api(settings: Settings) -> Iterator[Any]:
    """A TestClient on a started app, authenticated as the admin; ``client.core`` is its Core."""
    from fastapi.testclient import TestClient

    from threatflow.api.app import create_app
    from threatflow.core import Core

    core = Core(settings, registry=registry_with_testkit())
    core.migrate()
    core.first_start()
    with TestClient(create_app(core=core)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        client.core = core  # type: ignore[attr-defined]
        yield client
