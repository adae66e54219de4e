"""The example third-party apps in examples/apps/: each is a pip package that Threatflow's
registry finds through its ``threatflow.apps`` entry point, and whose own tests pass.

A package missing from the venv is installed editable first (``--no-deps
--no-build-isolation``, so nothing is fetched). Registry checks run in a fresh interpreter:
an editable install made during this session is invisible to the running one.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from threatflow.apps.registry import ENTRY_POINT_GROUP, load_builtin

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "apps"
GUIDE = ROOT / "docs" / "apps.md"


@dataclass(frozen=True)
class Example:
    folder: str
    module: str
    app: str
    category: str
    actions: frozenset[str]


EXAMPLE_APPS = [
    Example("threatflow-urlhaus", "threatflow_urlhaus", "urlhaus", "Intelligence",
            frozenset({"test_connection", "url_lookup", "host_lookup", "payload_lookup"})),
    Example("threatflow-ntfy", "threatflow_ntfy", "ntfy", "Communication",
            frozenset({"test_connection", "send_notification"})),
]

LIST_APPS = f"""
import json
from importlib.metadata import entry_points
from threatflow.apps.registry import default_registry
print(json.dumps({{
    "entry_points": {{e.name: e.value for e in entry_points(group={ENTRY_POINT_GROUP!r})}},
    "apps": {{a.name: a.describe() for a in default_registry().apps()}},
}}))
"""


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def ensure_installed(example: Example) -> None:
    """Install the example editable unless it can already be imported (the fast path)."""
    if importlib.util.find_spec(example.module) is not None:
        return
    done = run("-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e",
               str(EXAMPLES / example.folder))
    assert done.returncode == 0, f"pip install failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed() -> None:
    for example in EXAMPLE_APPS:
        ensure_installed(example)


@pytest.fixture(scope="module")
def catalog(installed: None) -> dict[str, Any]:
    """Entry points and apps as a fresh interpreter sees them."""
    done = run("-c", LIST_APPS, timeout=120)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


@pytest.mark.parametrize("example", EXAMPLE_APPS, ids=lambda e: e.folder)
def test_the_registry_finds_the_app_through_its_entry_point(
    example: Example, catalog: dict[str, Any]
) -> None:
    assert catalog["entry_points"].get(example.app) == f"{example.module}:app"
    assert example.app not in {app.name for app in load_builtin()}
    described = catalog["apps"][example.app]
    assert (described["category"], described["source"]) == (example.category, "package")
    assert {a["name"] for a in described["actions"]} == example.actions
    for action in described["actions"]:
        assert action["description"], f"{example.app}.{action['name']} has no description"


@pytest.mark.parametrize("example", EXAMPLE_APPS, ids=lambda e: e.folder)
def test_the_package_passes_its_own_tests(example: Example, installed: None) -> None:
    tests = EXAMPLES / example.folder / "tests"
    done = run("-m", "pytest", str(tests.relative_to(ROOT)), "-q", "-p", "no:cacheprovider")
    assert done.returncode == 0, f"{example.folder} tests failed:\n{done.stdout}\n{done.stderr}"
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed is not None and int(passed.group(1)) >= 10, done.stdout


def test_the_root_suite_leaves_the_examples_to_their_own_runs() -> None:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert settings["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
    for example in EXAMPLE_APPS:
        package = tomllib.loads((EXAMPLES / example.folder / "pyproject.toml").read_text())
        assert package["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]


def guide_code(name: str) -> str:
    """The Python block that docs/apps.md marks with ``<!-- guide: NAME -->``."""
    marked = rf"<!-- guide: {re.escape(name)} -->\n```python\n(.*?)```"
    found = re.search(marked, GUIDE.read_text(), re.DOTALL)
    assert found is not None, f"no block {name!r} in {GUIDE}"
    return found.group(1)


def test_the_guide_app_passes_the_guide_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app and tests printed in docs/apps.md run as printed."""
    module = types.ModuleType("threatflow_hibp")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(guide_code("threatflow_hibp.py"), "threatflow_hibp.py", "exec"), module.__dict__)
    tests: dict[str, Any] = {"__name__": "test_hibp"}
    exec(compile(guide_code("test_hibp.py"), "test_hibp.py", "exec"), tests)
    names = sorted(name for name in tests if name.startswith("test_"))
    assert len(names) == 4
    for name in names:
        tests[name]()
