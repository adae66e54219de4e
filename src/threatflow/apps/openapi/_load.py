"""Read a document (JSON or YAML text, bytes or an already parsed mapping) into plain data.

YAML gives things JSON cannot hold (dates, integer keys such as response codes, aliases that
repeat a node), so the loaded tree is rebuilt as JSON data: keys become strings, dates become
ISO strings. The rebuild counts nodes, which stops a small document whose aliases expand into
millions of nodes from exhausting memory later on.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import yaml

from threatflow.errors import InvalidInput

MAX_NODES = 3_000_000
"""Nodes allowed in a document after YAML aliases are expanded (Discord's spec has ~70k)."""

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_document(document: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """Parse ``document`` and return it as JSON data; raise :class:`InvalidInput` if unreadable."""
    raw = document if isinstance(document, dict) else _parse(document)
    if not isinstance(raw, dict):
        kind = type(raw).__name__ if raw is not None else "empty"
        raise InvalidInput(f"not an OpenAPI document: the top level is {kind}, not a mapping")
    try:
        data = _Normaliser().mapping(raw)
    except RecursionError:
        raise InvalidInput("not a usable OpenAPI document: nested too deeply") from None
    return data


def _parse(text: str | bytes) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("not an OpenAPI document: the file is not UTF-8 text") from None
    stripped = text.lstrip()
    if not stripped:
        raise InvalidInput("not an OpenAPI document: the file is empty")
    if stripped[0] in "{[":
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            pass  # YAML is a superset of JSON and reports a clearer position
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InvalidInput(
            f"not an OpenAPI document: cannot parse JSON or YAML{where}: {problem}"
        ) from None
    except RecursionError:
        raise InvalidInput("not a usable OpenAPI document: nested too deeply") from None


class _Normaliser:
    """Copy YAML data into JSON data, counting nodes."""

    def __init__(self) -> None:
        self.nodes = 0

    def value(self, node: Any) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InvalidInput(f"document too large: more than {MAX_NODES} nodes once expanded")
        if isinstance(node, dict):
            return self.mapping(node)
        if isinstance(node, list | tuple):
            return [self.value(item) for item in node]
        return _scalar(node)

    def mapping(self, node: dict[Any, Any]) -> dict[str, Any]:
        return {_key(key): self.value(value) for key, value in node.items()}


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, dt.date | dt.datetime):
        return key.isoformat()
    return str(key)


def _scalar(node: Any) -> Any:
    if node is None or isinstance(node, str | bool | int):
        return node
    if isinstance(node, float):
        return node if math.isfinite(node) else str(node)
    if isinstance(node, dt.date | dt.datetime):
        return node.isoformat()
    if isinstance(node, bytes):
        return node.decode("utf-8", "replace")
    return str(node)
