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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last: Playwright's sync API keeps an event loop running in the
    main thread for the rest of the session, where asyncio.run() would then fail."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
