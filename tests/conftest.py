"""Fixtures shared by every suite: a started API on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.stack import BY_DATABASE, make_settings, running_api

from threatflow.config import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def fixtures_dir(*parts: str) -> Path:
    """A folder of ../shared/fixtures, or skip the test with the reason."""
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"third-party fixtures not found at {path}")
    return path


@pytest.fixture(params=BY_DATABASE)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return make_settings(tmp_path, request.param)


@pytest.fixture
def api(settings: Settings) -> Iterator[Any]:
    """A TestClient on a started app (testkit app included), authenticated as the admin."""
    with running_api(settings) as client:
        yield client
