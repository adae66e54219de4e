"""Fixtures shared by every suite: settings, a running API on SQLite or PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from tests.support import testapp

from threatflow.apps.registry import Registry, default_registry
from threatflow.config import Settings

ADMIN_TOKEN = "test-admin-token-0123456789"
PG_URL = os.environ.get("THREATFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def fixtures_dir(*parts: str) -> Path:
    """A folder of ../shared/fixtures, or skip the test with the reason."""
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"third-party fixtures not found at {path}")
    return path


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def test_registry() -> Registry:
    registry = default_registry()
    registry.add(testapp.app)
    return registry


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'threatflow.db'}"
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db_url, admin_password="secret-pw",
                    admin_token=ADMIN_TOKEN, examples=False)


@pytest.fixture
def api(settings: Settings) -> Iterator[Any]:
    """A TestClient on a started app, authenticated as the admin."""
    from fastapi.testclient import TestClient

    from threatflow.api.app import create_app
    from threatflow.core import Core

    core = Core(settings, registry=test_registry())
    core.migrate()
    core.first_start()
    with TestClient(create_app(core=core)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        client.core = core  # type: ignore[attr-defined]
        yield client
