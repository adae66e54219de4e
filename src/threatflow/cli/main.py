"""The ``threatflow`` command: thin commands that parse, call a service and print.

Bad input exits with code 2 and a message naming the field; a failed execution exits 1.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from threatflow.cli import output
from threatflow.config import Settings
from threatflow.errors import (
    ConfigError,
    InvalidInput,
    NotFound,
    ThreatflowError,
    WorkflowInvalid,
)

app = typer.Typer(help="Threatflow, the Advanced Threat Intelligence Orchestrator.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
apps_cli = typer.Typer(help="The app catalog.", no_args_is_help=True)
workflows_cli = typer.Typer(help="Workflows in the database.", no_args_is_help=True)
executions_cli = typer.Typer(help="Executions in the database.", no_args_is_help=True)
credentials_cli = typer.Typer(help="Credentials (encrypted at rest).", no_args_is_help=True)
assets_cli = typer.Typer(help="The asset inventory.", no_args_is_help=True)
app.add_typer(apps_cli, name="apps")
app.add_typer(workflows_cli, name="workflows")
app.add_typer(executions_cli, name="executions")
app.add_typer(credentials_cli, name="credentials")
app.add_typer(assets_cli, name="assets")

T = TypeVar("T")


def fail(message: str, code: int = 2) -> NoReturn:
    output.errors.print(f"[red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Turn Threatflow errors into a message and an exit code."""
    try:
        yield
    except WorkflowInvalid as exc:
        output.problems(exc.problems)
        raise typer.Exit(2) from None
    except (InvalidInput, NotFound, ConfigError) as exc:
        fail(str(exc))
    except ThreatflowError as exc:
        fail(str(exc), 1)


def _core(migrate: bool = True) -> Any:
    from threatflow.core import Core

    core = Core(Settings())
    if migrate:
        core.migrate()
    return core


def _with_core(fn: Callable[[Any], T]) -> T:
    with handled():
        core = _core()
        try:
            return fn(core)
        finally:
            core.db.dispose()


def _read_json(path: Path | None, field: str) -> Any:
    if path is None:
        return {}
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field=field) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not JSON: {exc.msg} at line {exc.lineno}",
                           field=field) from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(envvar="HOST", help="Address to bind")] = None,
    port: Annotated[int | None, typer.Option(envvar="PORT", help="Port to bind")] = None,
    examples: Annotated[Path | None, typer.Option(help="Folder of example workflows")] = None,
) -> None:
    """Start the API server, the web UI and the engine."""
    import uvicorn

    from threatflow import logs
    from threatflow.api.app import create_app
    from threatflow.cli.setup import first_start, install_examples

    overrides: dict[str, Any] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    with handled():
        settings = Settings(**overrides)
        logs.setup(settings.log_level, settings.log_format)
        from threatflow.core import Core, tune_gc

        core = Core(settings)
        core.migrate()
        first_start(core)
        if examples is not None and settings.examples:
            install_examples(core, examples)
    application = create_app(core=core)
    tune_gc()
    uvicorn.run(application, host=settings.host, port=settings.port,
                log_config=None, access_log=False, timeout_graceful_shutdown=5,
                proxy_headers=settings.forwarded_allow_ips is not None,
                forwarded_allow_ips=settings.forwarded_allow_ips)


@app.command()
def validate(file: Path) -> None:
    """Check a workflow file; prints every problem and exits 2 if there is one."""
    from threatflow.apps.registry import default_registry
    from threatflow.engine.model import load_workflow
    from threatflow.engine.validate import Validator

    with handled():
        workflow = load_workflow(file)
        Validator(default_registry()).ensure_valid(workflow)
    output.console.print(f"[green]valid:[/] {workflow.name} ({len(workflow.steps)} steps)")


@app.command()
def run(
    file: Path,
    input: Annotated[Path | None, typer.Option("--input", "-i", help="JSON payload file")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the execution as JSON")] = False,
) -> None:
    """Run a workflow in this process, without a server or database, and print the result."""
    from threatflow.cli.local_run import run_file

    with handled():
        payload = _read_json(input, "--input")
        view = asyncio.run(run_file(file, payload))
    if as_json:
        output.console.print_json(json.dumps(view, default=str))
    else:
        output.execution(view)
    raise typer.Exit(0 if view["status"] == "succeeded" else 1)


@app.command()
def demo(
    alert: Annotated[Path | None, typer.Option(help="Wazuh alert JSON to send")] = None,
) -> None:
    """Run the failed-SSH scenario against local stand-ins for TheHive and Discord."""
    from threatflow.cli.demo import run_demo

    with handled():
        payload = _read_json(alert, "--alert") if alert else None
        code = run_demo(payload)
    raise typer.Exit(code)


@apps_cli.command("list")
def apps_list() -> None:
    """List apps (built-in, installed packages, imported) and their actions by category."""
    apps = _with_core(lambda core: core.registry.apps())
    output.rows(["category", "app", "source", "actions"], [
        [a.category, a.name, a.source, ", ".join(a.actions)] for a in apps])


@apps_cli.command("show")
def apps_show(name: str) -> None:
    """Show an app: credential fields (secrets marked) and every action's parameters."""
    from rich.markup import escape

    from threatflow.apps.registry import default_registry
    from threatflow.cli.app_show import show_app

    registry = default_registry()
    if name not in registry:
        # Apps imported from OpenAPI live in the database: open it only for those.
        registry = _with_core(lambda core: core.registry)
    if name not in registry:
        fail(f"no app named {escape(repr(name))}; `threatflow apps list` shows the installed apps")
    show_app(registry.get(name))


@apps_cli.command("import-openapi")
def apps_import_openapi(
    source: Annotated[str, typer.Argument(help="OpenAPI/Swagger file (JSON or YAML) or URL")],
    name: Annotated[str | None, typer.Option(help="App name (default: from the title)")] = None,
) -> None:
    """Import an OpenAPI 3.x or Swagger 2.0 document as an app (a new version if it exists)."""

    def work(core: Any) -> dict[str, Any]:
        document, url = _fetch_document(source)
        return dict(core.apps.import_document(document, name=name, source_url=url))

    result = _with_core(work)
    output.console.print(f"[green]imported[/] app [bold]{result['name']}[/] version "
                         f"{result['version']}: {result['actions']} actions, "
                         f"{len(result['warnings'])} warnings", highlight=False)
    for warning in result["warnings"]:
        output.console.print(f"  [yellow]warning:[/] {warning}", highlight=False)


def _fetch_document(source: str) -> tuple[bytes, str]:
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            response = httpx.get(source, timeout=30, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise InvalidInput(f"cannot download {source}: {exc}", field="source") from None
        return response.content, source
    try:
        return Path(source).read_bytes(), ""
    except OSError as exc:
        raise InvalidInput(f"cannot read {source}: {exc.strerror}", field="source") from None


@apps_cli.command("delete")
def apps_delete(name: str) -> None:
    """Delete an imported app."""
    _with_core(lambda core: core.apps.delete(name))
    output.console.print(f"[green]deleted[/] app {name}")


@workflows_cli.command("list")
def workflows_list() -> None:
    """List workflows."""
    page = _with_core(lambda core: core.workflows.search(limit=500))
    output.rows(["id", "name", "revision", "enabled", "steps"], [
        [w["id"], w["name"], w["revision"], w["enabled"], w["step_count"]]
        for w in page["items"]])


@workflows_cli.command("import")
def workflows_import(files: list[Path]) -> None:
    """Import workflow files; prints each id and the full URL of each webhook."""
    from threatflow.engine.model import load_workflow

    def work(core: Any) -> None:
        for file in files:
            view = core.workflows.create(load_workflow(file), user="cli", message="imported")
            output.console.print(f"[green]imported[/] {view['name']}  id={view['id']}",
                                 highlight=False, soft_wrap=True)
            for hook in view["hooks"]:
                output.console.print(f"  webhook {hook['trigger_id']}: {hook['url']}",
                                     highlight=False, soft_wrap=True)

    _with_core(work)


@workflows_cli.command("export")
def workflows_export(
    workflow_id: str,
    fmt: Annotated[str, typer.Option("--format", help="yaml or json")] = "yaml",
) -> None:
    """Print a workflow in the native format."""
    text = _with_core(lambda core: core.workflows.export(workflow_id, fmt))
    sys.stdout.write(text)


@executions_cli.command("list")
def executions_list(
    status: Annotated[str | None, typer.Option(help="Filter by status")] = None,
    limit: Annotated[int, typer.Option(help="How many")] = 50,
) -> None:
    """List the latest executions."""
    page = _with_core(lambda core: core.executions.search(status=status, limit=limit))
    output.rows(["id", "workflow", "status", "source", "created", "ms"], [
        [e["id"], e["workflow_name"], e["status"], e["source"],
         e["created_at"], e["duration_ms"]] for e in page["items"]])


@executions_cli.command("show")
def executions_show(
    execution_id: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False,
) -> None:
    """Show an execution with every step's status, result or error."""
    view = _with_core(lambda core: core.executions.get(execution_id))
    if as_json:
        output.console.print_json(json.dumps(view, default=str))
    else:
        output.execution(view)


@credentials_cli.command("set")
def credentials_set(
    name: str,
    app_name: Annotated[str, typer.Option("--app", help="App the credential is for")],
    field: Annotated[list[str], typer.Option("--field", help="key=value, repeatable")],
) -> None:
    """Create or update a credential."""
    fields: dict[str, str] = {}
    for item in field:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--field {item!r}: expected key=value")
        fields[key] = value

    def work(core: Any) -> dict[str, Any]:
        if name in core.credentials.names():
            return dict(core.credentials.update(name, fields))
        return dict(core.credentials.create(name, app_name, fields))

    view = _with_core(work)
    output.console.print(f"[green]saved[/] credential {view['name']} ({view['app']}): "
                         f"{json.dumps(view['fields'])}", highlight=False, soft_wrap=True)


@credentials_cli.command("list")
def credentials_list() -> None:
    """List credentials, secrets masked."""
    items = _with_core(lambda core: core.credentials.list_all())
    output.rows(["name", "app", "fields"], [
        [c["name"], c["app"], json.dumps(c["fields"])] for c in items])


@assets_cli.command("import")
def assets_import(
    file: Annotated[Path, typer.Argument(help="JSON or YAML list of assets, or - for stdin")],
    replace: Annotated[bool, typer.Option("--replace", help="Delete every other asset")] = False,
) -> None:
    """Import assets, merging them into the inventory (or replacing it with --replace)."""
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    syntax = "json" if file.suffix.lower() == ".json" else None
    result = _with_core(lambda core: core.assets.import_assets(
        text, mode="replace" if replace else "merge", syntax=syntax))
    output.console.print(f"[green]imported[/] {result.created} created, {result.updated} "
                         f"updated, {result.deleted} deleted; {result.total} assets now",
                         highlight=False)


@assets_cli.command("list")
def assets_list(
    q: Annotated[str, typer.Option(help="Substring of hostname, ip or owner")] = "",
    limit: Annotated[int, typer.Option(help="How many")] = 500,
) -> None:
    """List assets by hostname."""
    page = _with_core(lambda core: core.assets.search(q=q, limit=limit))
    output.rows(["id", "hostname", "ip", "owner", "criticality", "tags"], [
        [a.id, a.hostname or "", a.ip or "", a.owner or "", a.criticality, ", ".join(a.tags)]
        for a in page.items])


def main() -> None:  # pragma: no cover - console entry point
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
