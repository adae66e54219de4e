"""The ``threatflow`` command, run for real in subprocesses with a data folder in tmp.

Commands that do not depend on each other run concurrently to keep the suite quick.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from threatflow.cli.demo import SAMPLE_ALERT
from threatflow.standins import DiscordStandIn, TheHiveStandIn

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "failed-ssh-login.yaml"
PUBLIC_URL = "https://soar.example.org"
SECRET = "s3cret-api-key-never-shown"
Result = subprocess.CompletedProcess[str]

BAD_WORKFLOW = """\
name: Broken
steps:
  - id: a
    app: no_such_app
    action: x
  - id: b
    app: tools
    action: repeat_back
    needs: [ghost]
    params: {value: "{{ steps.phantom.result }}"}
  - id: c
    app: tools
    action: no_such_action
    params: {value: "{{ oops( }}"}
"""

TYPED_WORKFLOW = """\
name: Typed input
triggers: [{type: manual}]
input_schema: {type: object, required: [ip], properties: {ip: {type: string}}}
steps:
  - id: echo
    app: tools
    action: repeat_back
    params: {value: "{{ trigger.ip }}"}
"""


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without Threatflow settings, plus a private data folder."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("THREATFLOW_") and k != "COLUMNS"}
    return {**env, "THREATFLOW_DATA_DIR": str(data_dir), **extra}


def cli(*args: str, env: dict[str, str]) -> Result:
    return subprocess.run([sys.executable, "-m", "threatflow", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def cli_many(*calls: tuple[tuple[str, ...], dict[str, str]]) -> list[Result]:
    """Run independent commands at the same time; results in the order given."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: cli(*call[0], env=call[1]), calls))


def explain(result: Result) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def test_validate_good_and_bad_files(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_WORKFLOW)
    good, invalid = cli_many((("validate", str(EXAMPLE)), env), (("validate", str(bad)), env))

    assert good.returncode == 0, explain(good)
    assert "valid: Failed SSH login (3 steps)" in good.stdout
    assert invalid.returncode == 2, explain(invalid)
    assert "5 problem(s)" in invalid.stderr
    for path in ("steps[0].app", "steps[1].needs[0]", "steps[1].params.value",
                 "steps[2].action", "steps[2].params.value"):
        assert f"  {path}: " in invalid.stderr, (path, invalid.stderr)


def scenario_env(data_dir: Path, hive: TheHiveStandIn, discord: DiscordStandIn,
                 api_key: str) -> dict[str, str]:
    return base_env(data_dir, THREATFLOW_CRED_THEHIVE_URL=hive.url,
                    THREATFLOW_CRED_THEHIVE_API_KEY=api_key,
                    THREATFLOW_CRED_DISCORD_WEBHOOK_URL=discord.webhook_url)


def test_run_the_scenario_with_credentials_from_the_environment(
        tmp_path: Path, thehive_standin: TheHiveStandIn, discord_standin: DiscordStandIn) -> None:
    alert_file = tmp_path / "alert.json"
    alert_file.write_text(json.dumps(SAMPLE_ALERT))
    run = ("run", str(EXAMPLE), "--input", str(alert_file))
    good_env = scenario_env(tmp_path / "data", thehive_standin, discord_standin,
                            thehive_standin.api_key)
    bad_env = scenario_env(tmp_path / "data2", thehive_standin, discord_standin, "wrong-key")
    good, failed = cli_many(((*run, "--json"), good_env), (run, bad_env))

    assert good.returncode == 0, explain(good)
    view = json.loads(good.stdout)
    assert view["status"] == "succeeded" and view["payload"] == SAMPLE_ALERT
    assert [(s["step_id"], s["status"]) for s in view["steps"]] == [
        ("alert", "succeeded"), ("create_alert", "succeeded"), ("notify", "succeeded")]
    (alert,) = thehive_standin.service.alerts.values()
    assert alert["sourceRef"] == f"wazuh-{SAMPLE_ALERT['id']}"
    (message,) = discord_standin.service.messages
    assert "203.0.113.45 port 52844" in message["content"] and alert["_id"] in message["content"]

    assert failed.returncode == 1, explain(failed)
    assert re.search(r"execution \w+ failed", failed.stdout), failed.stdout
    assert "create_alert" in failed.stdout and "HTTP 401" in failed.stdout


def test_run_refuses_invalid_input(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data")
    workflow = tmp_path / "typed.yaml"
    workflow.write_text(TYPED_WORKFLOW)
    (tmp_path / "typed.json").write_text('{"ip": 5}')
    (tmp_path / "broken.json").write_text('{"ip": ')
    typed, broken, missing = cli_many(*[
        (("run", str(workflow), "--input", str(tmp_path / f"{name}.json")), env)
        for name in ("typed", "broken", "missing")])

    assert typed.returncode == 2 and "input.ip: 5 is not of type 'string'" in typed.stderr
    assert broken.returncode == 2, explain(broken)
    assert f"{tmp_path / 'broken.json'} is not JSON" in broken.stderr
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert not any(r.stdout for r in (typed, broken, missing))


@dataclass
class Stocked:
    """A data folder with a credential set and the example workflow imported by the CLI."""

    env: dict[str, str]
    saved: Result
    imported: Result

    @property
    def workflow_id(self) -> str:
        found = re.search(r"id=([0-9a-f]{32})", self.imported.stdout)
        assert found, explain(self.imported)
        return found.group(1)


@pytest.fixture(scope="module")
def stocked(tmp_path_factory: pytest.TempPathFactory) -> Stocked:
    # discord comes from the environment; thehive is stored, with an organisation that the
    # demo's stand-in must not receive
    env = base_env(tmp_path_factory.mktemp("cli") / "data",
                   THREATFLOW_CRED_DISCORD_WEBHOOK_URL="https://discord.com/api/webhooks/1/x")
    saved = cli("credentials", "set", "thehive", "--app", "thehive", "--field",
                "url=https://hive.corp.example", "--field", f"api_key={SECRET}", "--field",
                "organisation=acme", env=env)
    imported = cli("workflows", "import", str(EXAMPLE),
                   env={**env, "THREATFLOW_PUBLIC_URL": PUBLIC_URL})
    return Stocked(env, saved, imported)


def test_credentials_set_and_list_mask_secrets(stocked: Stocked) -> None:
    assert stocked.saved.returncode == 0, explain(stocked.saved)
    assert SECRET not in stocked.saved.stdout
    assert '"url": "https://hive.corp.example", "api_key": "********"' in stocked.saved.stdout
    listed, unknown_field = cli_many(
        (("credentials", "list"), stocked.env),
        (("credentials", "set", "x", "--app", "thehive", "--field", "colour=red"), stocked.env))

    assert listed.returncode == 0, explain(listed)
    assert SECRET not in listed.stdout
    header, *lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert header == ["name", "app", "fields"]
    assert [cells[:2] for cells in lines] == [["thehive", "thehive"]]
    assert json.loads(lines[0][2]) == {
        "url": "https://hive.corp.example", "api_key": "********", "organisation": "acme"}
    assert unknown_field.returncode == 2 and "fields.colour" in unknown_field.stderr


def test_workflows_import_list_export(stocked: Stocked) -> None:
    env, workflow_id = stocked.env, stocked.workflow_id
    assert stocked.imported.returncode == 0, explain(stocked.imported)
    assert "imported Failed SSH login" in stocked.imported.stdout
    url = re.search(r"webhook wazuh: (\S+)\n", stocked.imported.stdout)
    assert url and re.fullmatch(rf"{PUBLIC_URL}/api/v1/hooks/[\w-]{{20,}}", url.group(1))
    listed, exported = cli_many((("workflows", "list"), env),
                                (("workflows", "export", workflow_id, "--format", "json"), env))

    assert listed.returncode == 0, explain(listed)
    assert any(line.split("\t")[:2] == [workflow_id, "Failed SSH login"]
               for line in listed.stdout.splitlines())
    assert exported.returncode == 0, explain(exported)
    original, copy = yaml.safe_load(EXAMPLE.read_text()), json.loads(exported.stdout)
    assert copy["name"] == original["name"] and copy["vars"] == original["vars"]
    assert [s["id"] for s in copy["steps"]] == ["alert", "create_alert", "notify"]


def test_demo_then_executions_list_and_show(stocked: Stocked) -> None:
    env = stocked.env
    demo = cli("demo", env=env)
    assert demo.returncode == 0, explain(demo)
    assert "LOCAL STAND-INS" in demo.stdout and "not the real" in demo.stdout
    found = re.search(r"execution (\w{32}) succeeded", demo.stdout)
    assert found, demo.stdout
    execution_id = found.group(1)
    assert "TheHive stand-in received" in demo.stdout and "/api/v1/alert" in demo.stdout

    listed, shown = cli_many((("executions", "list"), env),
                             (("executions", "show", execution_id), env))
    assert [line.split("\t")[:4] for line in listed.stdout.splitlines()[1:]] == [
        [execution_id, "Failed SSH login", "succeeded", "webhook"]]
    assert shown.returncode == 0 and f"execution {execution_id} succeeded" in shown.stdout
    steps = re.findall(r"^ (\w+) +(\w+) +1 ", shown.stdout, re.MULTILINE)
    assert steps == [("alert", "succeeded"), ("create_alert", "succeeded"),
                     ("notify", "succeeded")], shown.stdout


def test_apps_list(tmp_path: Path) -> None:
    result = cli("apps", "list", env=base_env(tmp_path / "data"))
    assert result.returncode == 0, explain(result)
    header, *lines = [line.split("\t") for line in result.stdout.splitlines()]
    apps = {row["app"]: row for row in (dict(zip(header, cells, strict=True)) for cells in lines)}
    assert apps["thehive"]["category"] == "Case Management"
    assert "create_alert" in apps["thehive"]["actions"]
    assert apps["discord"]["category"] == "Communication"
    assert "send_message" in apps["discord"]["actions"]
    assert "parse_iocs" in apps["tools"]["actions"]
