"""Check requests recorded by a fake transport against a vendor's own OpenAPI document.

The documents live in ``../shared/fixtures/openapi/`` (beside the repository); tests that use
them are skipped with a clear reason when that folder is absent. A request conforms when its
method and path template exist, every required path, query and header parameter is present
and matches its schema, and its JSON body validates against the request body schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures"


@cache
def _load(name: str) -> dict[str, Any]:
    path = FIXTURES / "openapi" / name
    if not path.is_file():
        pytest.skip(f"vendor OpenAPI fixture {path} is absent (../shared/fixtures not mounted)")
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    return loaded


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    spec: dict[str, Any]
    params: dict[tuple[str, str], Any]


class VendorSpec:
    """One OpenAPI document, able to judge recorded requests and give documented examples."""

    def __init__(self, name: str) -> None:
        self.doc = _load(name)
        self._routes = [
            (self._pattern(template), template, item)
            for template, item in self.doc["paths"].items()
        ]

    @staticmethod
    def _pattern(template: str) -> re.Pattern[str]:
        parts = re.split(r"(\{[^}]+\})", template)
        regex = "".join(
            f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts
        )
        return re.compile(f"^{regex}$")

    def resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.doc
            for key in node["$ref"].removeprefix("#/").split("/"):
                target = target[key]
            node = target
        return node

    def operation(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation serving ``method path``; the most literal template wins."""
        matches = []
        for pattern, template, item in self._routes:
            found = pattern.match(path)
            if found and method.lower() in item:
                matches.append((template.count("{"), template, item, found.groupdict()))
        if not matches:
            raise AssertionError(f"{method} {path} is not an operation of the vendor's API")
        _, template, item, values = min(matches, key=lambda m: m[0])
        op = item[method.lower()]
        params = {}
        for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
            param = self.resolve(raw)
            params[(param["in"], param["name"])] = param
        return Operation(template, method.upper(), op, params), values

    def problems(self, request: httpx.Request, strip_prefix: str = "") -> list[str]:
        """Everything about ``request`` that the document does not allow."""
        path = request.url.path.removeprefix(strip_prefix) or "/"
        op, path_values = self.operation(request.method, path)
        found = {
            **{("path", k): v for k, v in path_values.items()},
            **{("query", k): v for k, v in request.url.params.items()},
            **{("header", k.lower()): v for k, v in request.headers.items()},
        }
        issues = []
        for (where, name), param in op.params.items():
            value = found.get((where, name.lower() if where == "header" else name))
            if value is None:
                if param.get("required"):
                    issues.append(f"{op.template}: missing {where} parameter {name}")
                continue
            issues += self._check_value(op.template, name, value, param.get("schema", {}))
        return issues + self._check_body(op, request)

    def _check_value(self, where: str, name: str, raw: str, schema: Any) -> list[str]:
        schema = self.resolve(schema)
        is_array = schema.get("type") == "array"
        values: list[Any] = raw.split(",") if is_array else [raw]
        item_schema = self.resolve(schema.get("items", {})) if is_array else schema
        issues = []
        for value in values:
            typed = _typed(value, item_schema.get("type"))
            for error in self._validator(item_schema).iter_errors(typed):
                issues.append(f"{where}: parameter {name}={value!r}: {error.message}")
        return issues

    def _check_body(self, op: Operation, request: httpx.Request) -> list[str]:
        body_spec = self.resolve(op.spec.get("requestBody"))
        if not body_spec:
            return []
        media = body_spec.get("content", {}).get("application/json")
        if not request.content:
            return [f"{op.template}: request body is required"] if body_spec.get("required") else []
        if media is None or "schema" not in media:
            return []
        body = json.loads(request.content)
        validator = self._validator(media["schema"])
        return [f"{op.template}: body: {e.message}" for e in validator.iter_errors(body)]

    def _validator(self, schema: Any) -> jsonschema.Draft7Validator:
        # The document itself is the root, so "#/components/..." references resolve; formats
        # are checked because vendors tell ids from UUIDs by format alone (MISP's oneOf).
        root = {**self.doc, "allOf": [schema]}
        return jsonschema.Draft7Validator(root, format_checker=jsonschema.FormatChecker())

    def example(self, method: str, path: str, status: str = "200") -> Any:
        """The response example the vendor documents for an operation, as plain JSON."""
        op, _ = self.operation(method, path)
        response = self.resolve(op.spec["responses"][status])
        media = response["content"]["application/json"]
        found = media.get("example", self.resolve(media.get("schema", {})).get("example"))
        return json.loads(json.dumps(found, default=str))


def _typed(value: str, kind: str | None) -> Any:
    if kind == "integer" and value.lstrip("-").isdigit():
        return int(value)
    # MISP's CakePHP named parameters (``local:1``) read booleans as 0/1: PHP takes the
    # string "false" for true, so 0/1 is the only safe spelling there.
    if kind == "boolean" and value in ("true", "false", "0", "1"):
        return value in ("true", "1")
    return value
