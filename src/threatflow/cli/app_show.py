"""``threatflow apps show``: one app's credential fields and actions, read from the same JSON
Schema that builds the designer's forms, so the terminal and the UI never disagree."""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from threatflow.apps.sdk import App
from threatflow.cli.output import console


def type_of(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short, readable type for one JSON Schema property: ``integer 1..5``, ``a | b``..."""
    if "$ref" in prop:
        name = str(prop["$ref"]).rsplit("/", 1)[-1]
        target = defs.get(name, {})
        return type_of(target, defs) if "enum" in target else name
    if "enum" in prop:
        return " | ".join(json.dumps(v) for v in prop["enum"])
    if "const" in prop:
        return json.dumps(prop["const"])
    variants = prop.get("anyOf") or prop.get("oneOf")
    if variants:
        return " | ".join(type_of(v, defs) for v in variants)
    kind = prop.get("type", "any")
    if kind == "array":
        return f"array of {type_of(prop.get('items', {}), defs)}"
    return kind + _bounds(prop) if isinstance(kind, str) else " | ".join(kind)


def _bounds(prop: dict[str, Any]) -> str:
    low = prop.get("minimum", prop.get("exclusiveMinimum"))
    high = prop.get("maximum", prop.get("exclusiveMaximum"))
    if low is None and high is None:
        fmt = prop.get("format")
        return f" ({fmt})" if fmt else ""
    return f" {'' if low is None else low}..{'' if high is None else high}"


def _row(table: Table, *cells: str) -> None:
    # Vendor text may hold brackets, which Rich would read as markup.
    table.add_row(*(Text(cell) for cell in cells))


def params_table(schema: dict[str, Any]) -> Table:
    """One row per parameter: name, type, required, default, description."""
    table = Table("parameter", "type", "required", "default", "description", box=None)
    required = set(schema.get("required", []))
    defs = schema.get("$defs", {})
    for name, prop in schema.get("properties", {}).items():
        default = json.dumps(prop["default"]) if "default" in prop else ""
        _row(table, name, type_of(prop, defs), "yes" if name in required else "", default,
             str(prop.get("description", "")))
    return table


def credential_table(app: App) -> Table:
    table = Table("field", "title", "required", "secret", "default", "description", box=None)
    for field in app.describe()["credential_fields"]:
        _row(table, field["name"], field["title"], "yes" if field["required"] else "",
             "secret" if field["secret"] else "", field["default"] or "", field["description"])
    return table


def show_app(app: App) -> None:
    """Print an app: header, credential fields, then each action with its parameters."""
    console.print(f"[bold]{escape(app.title)}[/] ({escape(app.name)})  category: "
                  f"{escape(str(app.category))}  version: {escape(app.version)}  "
                  f"source: {escape(app.source)}", highlight=False)
    for line in (app.description, f"docs: {app.docs_url}" if app.docs_url else ""):
        if line:
            console.print(line, markup=False, highlight=False)
    console.print("\n[bold]credential fields[/]")
    if app.credential_fields:
        console.print(credential_table(app))
    else:
        console.print("  none")
    console.print(f"\n[bold]actions[/] ({len(app.actions)})")
    for action in app.actions.values():
        console.print(f"\n[bold cyan]{escape(action.name)}[/]: {escape(action.title)}",
                      highlight=False)
        if action.description:
            console.print(action.description, markup=False, highlight=False)
        schema = action.params_schema()
        if schema.get("properties"):
            console.print(params_table(schema))
        else:
            console.print("  no parameters")
