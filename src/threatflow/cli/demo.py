"""``threatflow demo``: the failed-SSH scenario end to end, on this machine.

Local stand-ins for TheHive and Discord (they check requests like the vendors and record them)
take the place of the real services; the ``thehive`` and ``discord`` credentials point at them
for this process only. The execution is stored in the usual database, so the web UI shows it.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from threatflow.cli.output import console, execution
from threatflow.config import Settings
from threatflow.engine.model import load_workflow
from threatflow.engine.planner import EXECUTION_FINAL
from threatflow.errors import InvalidInput

EXAMPLE = Path("examples/failed-ssh-login.yaml")
WORKFLOW_NAME = "Failed SSH login"

# What Wazuh's built-in Shuffle integration posts for a failed sshd authentication (rule 5716)
SAMPLE_ALERT: dict[str, Any] = {
    "severity": 2,
    "pretext": "WAZUH Alert",
    "title": "sshd: authentication failed.",
    "text": "Dec  3 10:15:01 web-01 sshd[4242]: Failed password for root from 203.0.113.45 "
            "port 52844 ssh2",
    "rule_id": "5716",
    "timestamp": "2026-12-03T10:15:01.120+0000",
    "id": "1764756901.123456",
    "all_fields": {
        "timestamp": "2026-12-03T10:15:01.120+0000",
        "rule": {"level": 5, "description": "sshd: authentication failed.", "id": "5716",
                 "groups": ["syslog", "sshd", "authentication_failed"]},
        "agent": {"id": "001", "name": "web-01", "ip": "10.0.0.12"},
        "manager": {"name": "wazuh-manager"},
        "id": "1764756901.123456",
        "full_log": "Dec  3 10:15:01 web-01 sshd[4242]: Failed password for root from "
                    "203.0.113.45 port 52844 ssh2",
        "predecoder": {"program_name": "sshd", "timestamp": "Dec  3 10:15:01",
                       "hostname": "web-01"},
        "decoder": {"parent": "sshd", "name": "sshd"},
        "data": {"srcip": "203.0.113.45", "srcport": "52844", "dstuser": "root"},
        "location": "/var/log/auth.log",
    },
}


def _point_credentials(hive: Any, discord: Any) -> None:
    # every field the stand-in checks, so that a stored real credential (with its own
    # organisation, say) cannot leak into the demo's requests
    for field, value in hive.credentials.items():
        os.environ[f"THREATFLOW_CRED_THEHIVE_{field.upper()}"] = value
    os.environ["THREATFLOW_CRED_DISCORD_WEBHOOK_URL"] = discord.webhook_url


def _hook_id(core: Any) -> str:
    found = [w for w in core.workflows.search(q=WORKFLOW_NAME, limit=500)["items"]
             if w["name"] == WORKFLOW_NAME]
    if found:
        view = core.workflows.get(found[0]["id"])
    else:
        if not EXAMPLE.exists():
            raise InvalidInput(f"{EXAMPLE} not found; run the demo from the project folder",
                               field="workflow")
        view = core.workflows.create(load_workflow(EXAMPLE), user="demo", message="demo")
    if not view["hooks"]:
        raise InvalidInput(f"workflow {WORKFLOW_NAME!r} has no webhook trigger", field="workflow")
    hook: str = view["hooks"][0]["hook_id"]
    return hook


async def _fire(core: Any, payload: Any) -> dict[str, Any]:
    await core.start(resume=False, schedule=False)
    try:
        hook_id = _hook_id(core)
        body = json.dumps(payload).encode()
        execution_id = await core.intake.receive(
            core.workflows.hook_target(hook_id), body, {"content-type": "application/json"})
        for _ in range(600):
            view: dict[str, Any] = core.executions.get(execution_id)
            if view["status"] in EXECUTION_FINAL:
                break
            await asyncio.sleep(0.05)
        return view
    finally:
        await core.stop()


def run_demo(payload: Any | None = None) -> int:
    from threatflow.core import Core
    from threatflow.standins import discord_standin, thehive_standin

    console.rule("[bold]Threatflow demo: failed SSH login")
    console.print("[yellow]TheHive and Discord below are LOCAL STAND-INS on 127.0.0.1, not the "
                  "real services.[/] They check each request like the vendor API would and "
                  "record it.")
    with thehive_standin() as hive, discord_standin() as discord:
        _point_credentials(hive, discord)
        core = Core(Settings())
        core.migrate()
        view = asyncio.run(_fire(core, payload or SAMPLE_ALERT))
        execution(view)
        console.rule("TheHive stand-in received")
        for request in hive.requests:
            console.print_json(json.dumps(request, default=str))
        console.rule("Discord stand-in received")
        for request in discord.requests:
            console.print_json(json.dumps(request, default=str))
    console.print("Open the web UI (make run) to see this execution under Executions.")
    return 0 if view["status"] == "succeeded" else 1
