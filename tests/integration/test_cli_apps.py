"""``threatflow apps show``: an app's credential fields and actions, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from threatflow.apps.sdk import App, Category, CredentialField
from threatflow.cli.app_show import show_app, type_of

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def threatflow(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the CLI in a subprocess, with its own data folder and a wide terminal (one table row
    per line)."""
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1",
           "THREATFLOW_DATA_DIR": str(tmp_path / "data"), "THREATFLOW_DATABASE_URL": ""}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "threatflow", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    return run


def row(output: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is ``first`` (split on runs of spaces)."""
    for line in output.splitlines():
        cells = [cell for cell in line.strip().split("  ") if cell.strip()]
        if cells and cells[0].strip() == first:
            return [cell.strip() for cell in cells]
    raise AssertionError(f"no row {first!r} in:\n{output}")


Cli = Callable[..., subprocess.CompletedProcess[str]]
PETSTORE = """
openapi: 3.0.3
info: {title: Tiny pets, version: "1.0"}
servers: [{url: "https://pets.example.net/v1"}]
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      summary: One pet by id
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer, minimum: 1}}
        - {name: verbose, in: query, schema: {type: boolean, default: false}}
      responses: {"200": {description: the pet}}
"""


def test_show_thehive(threatflow: Cli) -> None:
    done = threatflow("apps", "show", "thehive")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("TheHive (thehive)  category: Case Management")
    assert row(out, "api_key") == ["api_key", "API key", "yes", "secret"]
    assert "secret" not in row(out, "url")
    assert row(out, "verify_tls")[-2:] == ["true", "Check the server certificate (set to false "
                                                   "for self-signed test hosts)."]
    assert "create_alert: Create alert" in out and "test_connection: Test connection" in out
    assert row(out, "severity") == ["severity", "integer 1..4", "2",
                                    "1 low, 2 medium, 3 high, 4 critical"]
    assert row(out, "target") == ["target", '"case" | "alert"', '"case"']
    assert row(out, "case_id") == ["case_id", "string", "yes"]
    assert "no parameters" in out  # test_connection


def test_show_an_unknown_app_exits_2_with_a_clear_message(threatflow: Cli) -> None:
    done = threatflow("apps", "show", "no-such-app")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "no app named 'no-such-app'" in done.stderr
    assert "threatflow apps list" in done.stderr


def test_show_an_app_imported_from_openapi(threatflow: Cli, tmp_path: Path) -> None:
    spec = tmp_path / "pets.yaml"
    spec.write_text(PETSTORE)
    imported = threatflow("apps", "import-openapi", str(spec), "--name", "tinypets")
    assert imported.returncode == 0, imported.stderr
    done = threatflow("apps", "show", "tinypets")
    assert done.returncode == 0, done.stderr
    assert "source: openapi" in done.stdout
    assert row(done.stdout, "petId")[:3] == ["petId", "integer 1..", "yes"]
    assert row(done.stdout, "verbose")[:3] == ["verbose", "boolean", "false"]


def test_types_read_from_the_json_schema() -> None:
    defs = {"Level": {"enum": ["low", "high"], "type": "string"}, "Obs": {"type": "object"}}
    assert type_of({"$ref": "#/$defs/Level"}, defs) == '"low" | "high"'
    assert type_of({"items": {"$ref": "#/$defs/Obs"}, "type": "array"}, defs) == "array of Obs"
    assert type_of({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}, defs) == (
        "integer 0.. | null")
    assert type_of({"type": "string", "format": "ipvanyaddress"}, defs) == "string (ipvanyaddress)"
    assert type_of({}, defs) == "any"


def test_vendor_text_is_printed_as_is(capsys: pytest.CaptureFixture[str]) -> None:
    app = App("brackets", title="Brackets [beta]", category=Category.TOOLS,
              description="Looks up [ip] values",
              credential_fields=[CredentialField("key", description="[red]not a style[/]",
                                                 secret=True)])

    @app.action()
    async def lookup(ip: str) -> str:
        """Find [ip] in the list."""
        return ip

    show_app(app)
    out = capsys.readouterr().out
    assert "Brackets [beta]" in out and "Looks up [ip] values" in out
    assert "[red]not a style[/]" in out and "Find [ip] in the list." in out
