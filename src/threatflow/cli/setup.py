"""First-start tasks of ``threatflow serve``: the admin account and the example workflows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from threatflow.cli.output import console
from threatflow.engine.model import Workflow, load_workflow
from threatflow.errors import ThreatflowError


def first_start(core: Any) -> None:
    """Create the admin account once and say how to sign in."""
    created = core.first_start()
    if created is None:
        return
    url = core.settings.base_url
    console.rule("[bold]Threatflow first start")
    if created.password:
        console.print(f"Sign in at {url} as [bold]admin[/] with password "
                      f"[bold yellow]{created.password}[/] (shown once; set "
                      "THREATFLOW_ADMIN_PASSWORD to choose it).", highlight=False)
    else:
        console.print(f"Sign in at {url} as [bold]admin[/] with THREATFLOW_ADMIN_PASSWORD.",
                      highlight=False)
    if created.token:
        console.print("THREATFLOW_ADMIN_TOKEN is the admin's API token.")
    console.rule()


def _provide_credentials(core: Any, workflow: Workflow) -> None:
    """Create the (empty) credentials an example names, so it installs on a fresh machine;
    its steps say which field is missing until the user fills them in."""
    known = core.credentials.known_names()
    for step in workflow.steps:
        if step.credential and step.credential not in known:
            core.credentials.create(step.credential, step.app, {})
            known.add(step.credential)
            console.print(f"created empty credential [bold]{step.credential}[/] for the "
                          f"examples: threatflow credentials set {step.credential} --app "
                          f"{step.app} --field ...", highlight=False)


def install_examples(core: Any, folder: Path) -> None:
    """Import each example workflow whose name is not taken yet."""
    if not folder.is_dir():
        return
    taken = {w["name"] for w in core.workflows.search(limit=500)["items"]}
    for path in sorted(folder.glob("*.y*ml")):
        try:
            workflow = load_workflow(path)
            if workflow.name in taken:
                continue
            _provide_credentials(core, workflow)
            view = core.workflows.create(workflow, user="system", message="example")
        except ThreatflowError as exc:
            console.print(f"[yellow]example {path.name} not installed:[/] {exc}")
            continue
        console.print(f"installed example [bold]{view['name']}[/]", highlight=False)
        for hook in view["hooks"]:
            console.print(f"  webhook {hook['trigger_id']}: {hook['url']}", highlight=False,
                          soft_wrap=True)
