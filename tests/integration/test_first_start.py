"""What `make run` does on a fresh machine: admin account, example workflows installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.stack import make_settings

from threatflow.cli.setup import first_start, install_examples
from threatflow.core import Core

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_examples_install_on_a_fresh_database(tmp_path: Path) -> None:
    core = Core(make_settings(tmp_path, "sqlite", admin_password=""))
    core.migrate()
    try:
        first_start(core)
        install_examples(core, EXAMPLES)
        names = {w["name"] for w in core.workflows.search(limit=50)["items"]}
        assert "Failed SSH login" in names
        creds = {c["name"]: c for c in core.credentials.list_all()}
        assert creds["thehive"]["app"] == "thehive" and creds["discord"]["app"] == "discord"
        install_examples(core, EXAMPLES)  # a second start installs nothing twice
        assert len(core.workflows.search(limit=50)["items"]) == len(names)
    finally:
        core.db.dispose()
