"""A started Threatflow app behind a TestClient, for fixtures wider than one test.

``tests/conftest.py`` gives each test a fresh ``api``; suites that fire many alerts at one
set-up (a module-scoped fixture) build it with :func:`running_api` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.support import pg, testapp

from threatflow.apps.registry import Registry, default_registry
from threatflow.config import Settings

TOKEN = "stack-admin-token-0123456789"
DATABASES = ("sqlite", "postgres")
# for fixtures that run once per database: ``@pytest.fixture(params=BY_DATABASE)``
BY_DATABASE = [pytest.param(kind, marks=[pytest.mark.postgres] if kind == "postgres" else [])
               for kind in DATABASES]


def database_url(kind: str, folder: Path) -> str:
    """A fresh database: a new SQLite file in ``folder``, or this process's PostgreSQL one."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'threatflow.db'}"
    return pg.fresh_url()


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
