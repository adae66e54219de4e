"""How the CLI prints executions, problems and tables (Rich on a terminal, JSON on demand)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from threatflow.errors import Problem

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # messages name paths: never break them

STATUS_STYLE = {
    "succeeded": "green", "failed": "red", "skipped": "dim", "cancelled": "yellow",
    "running": "cyan", "waiting": "magenta", "queued": "blue",
}


def status(text: str) -> str:
    return f"[{STATUS_STYLE.get(text, 'white')}]{text}[/]"


def problems(items: list[Problem]) -> None:
    errors.print(f"[red]{len(items)} problem(s):[/]")
    for item in items:
        errors.print(f"  [bold]{item.path or '(workflow)'}[/]: {item.message}", highlight=False)


def short(value: Any, width: int = 90) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def execution(view: dict[str, Any]) -> None:
    head = (f"execution [bold]{view['id']}[/] {status(view['status'])} "
            f"source={view.get('source')} workflow={view.get('workflow_name')}")
    console.print(head, highlight=False)
    if view.get("error"):
        console.print(f"  error: {view['error']}", style="red", highlight=False)
    table = Table("step", "status", "attempt", "ms", "result or error", box=None)
    for step in view.get("steps", []):
        detail = step["error"]["message"] if step.get("error") else short(step.get("output"))
        table.add_row(step["step_id"], status(step["status"]), str(step["attempt"]),
                      str(step.get("duration_ms") if step.get("duration_ms") is not None
                          else ""), detail or "")
    console.print(table)


def rows(columns: list[str], items: list[list[Any]]) -> None:
    """A table on a terminal; tab-separated lines when piped, so that no id is cut short.

    Cells are plain text (never markup); a column named ``status`` is coloured by value.
    """
    cells = [[str(v) if v is not None else "" for v in item] for item in items]
    if not console.is_terminal:
        for line in [columns, *cells]:
            print("\t".join(line), file=console.file)
        return
    table = Table(box=None)
    for index, name in enumerate(columns):  # the first column (an id or name) is never cut
        widest = max((len(row[0]) for row in cells), default=0) if index == 0 else None
        table.add_column(name, no_wrap=index == 0, min_width=widest)
    for row in cells:
        table.add_row(*(Text(cell, style=STATUS_STYLE.get(cell, "") if name == "status" else "")
                        for name, cell in zip(columns, row, strict=True)))
    console.print(table)
