"""References and schemas: from OpenAPI's schema dialects to self-contained JSON Schema.

Forms and validation need one schema per action with no ``$ref`` left, so references are
inlined. A schema that contains itself is cut where it recurs (that level accepts any value)
and a schema growing past :data:`MAX_SCHEMA_NODES` is cut too, both with a warning. Each
reference is converted once and reused when nothing was cut inside it.

OpenAPI 3.0 and Swagger 2.0 schemas are rewritten into JSON Schema 2020-12 (``nullable``,
boolean ``exclusiveMinimum``, ``example``, ``type: file``); OpenAPI 3.1 schemas already are
JSON Schema. Request schemas drop ``readOnly`` properties, which only apply to responses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

MAX_SCHEMA_NODES = 25_000
"""Schema nodes allowed in one action's parameters schema before deeper levels are cut."""

_MAX_HOPS = 16
_ONE = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "additionalItems",
        "contentSchema",
    }
)
_MANY = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_MAP = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_DROP = frozenset(
    {"discriminator", "xml", "externalDocs", "$schema", "$id", "$anchor", "$dynamicAnchor"}
    | {"$dynamicRef", "$recursiveRef", "$recursiveAnchor"}
)
_ANNOTATIONS = frozenset(
    {"description", "title", "default", "example", "examples", "deprecated", "readOnly"}
    | {"writeOnly", "nullable", "x-nullable"}
)
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")


class UnresolvedRef(Exception):
    """A ``$ref`` that points nowhere inside the document (or outside it)."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(ref)


class Warnings:
    """Import warnings in the order found, each once."""

    def __init__(self) -> None:
        self._items: dict[str, None] = {}

    def add(self, message: str) -> None:
        self._items.setdefault(message, None)

    def as_list(self) -> list[str]:
        return list(self._items)


class Refs:
    """Look up local references (``#/components/...``) with JSON Pointer escaping handled."""

    def __init__(self, document: dict[str, Any]) -> None:
        resource: Resource[Any] = Resource.opaque(document)
        self._resolver = Registry().with_resource("", resource).resolver("")

    def lookup(self, ref: str) -> Any:
        """The node ``ref`` points to; raise :class:`UnresolvedRef` when there is none."""
        if not ref.startswith("#"):
            raise UnresolvedRef(ref)  # other files and URLs are never fetched
        try:
            return self._resolver.lookup(ref).contents
        except (Unresolvable, LookupError, TypeError, ValueError):
            # the pointer is walked through whatever the document holds: a list where a
            # mapping should be, a string, null; each of those means "points nowhere"
            raise UnresolvedRef(ref) from None

    def follow(self, node: Any) -> Any:
        """Follow a chain of ``$ref`` objects (parameters, bodies, path items, schemes)."""
        for _ in range(_MAX_HOPS):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            node = self.lookup(node["$ref"])
        raise UnresolvedRef("(a chain of more than 16 references)")


@dataclass
class _Walk:
    """State of one conversion: where we are, what we are inside, how much we produced."""

    where: str
    stack: list[str] = field(default_factory=list)
    nodes: int = 0
    cuts: int = 0

    @property
    def location(self) -> str:
        return self.stack[-1] if self.stack else self.where


class SchemaConverter:
    """Turn schemas of one document into self-contained JSON Schema 2020-12."""

    def __init__(self, refs: Refs, openapi_version: str, warnings: Warnings) -> None:
        self._refs = refs
        self._is_31 = openapi_version.startswith("3.1")
        self._warnings = warnings
        self._memo: dict[str, tuple[Any, int]] = {}

    def convert(self, schema: Any, where: str) -> Any:
        """Convert ``schema`` found at ``where`` (used in warnings)."""
        return self._schema(schema, _Walk(where))

    def _schema(self, node: Any, walk: _Walk) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            self._warnings.add(f"{walk.location}: a schema is not an object; any value accepted")
            return {}
        if not self._count(walk, 1):
            return {}
        if "$ref" in node:
            return self._ref_node(node, walk)
        return self._fix(self._children(node, walk), walk)

    def _count(self, walk: _Walk, size: int) -> bool:
        walk.nodes += size
        if walk.nodes <= MAX_SCHEMA_NODES:
            return True
        if walk.nodes - size <= MAX_SCHEMA_NODES:  # warn once, when first crossing
            self._warnings.add(
                f"{walk.where}: schema larger than {MAX_SCHEMA_NODES} nodes; "
                "deeper levels accept any value"
            )
        walk.cuts += 1
        return False

    def _children(self, node: dict[str, Any], walk: _Walk) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROP or (key.startswith("x-") and key != "x-nullable"):
                continue
            if key in _ONE and isinstance(value, list):
                out["prefixItems"] = [self._schema(item, walk) for item in value]
            elif key in _ONE:
                out[key] = self._schema(value, walk)
            elif key in _MANY and isinstance(value, list):
                out[key] = [self._schema(item, walk) for item in value]
            elif key in _MAP and isinstance(value, dict):
                out[key] = {name: self._schema(sub, walk) for name, sub in value.items()}
            elif key in _MANY or key in _MAP:
                self._warnings.add(f"{walk.location}: malformed {key!r} ignored")
            else:
                out[key] = value
        return out

    def _ref_node(self, node: dict[str, Any], walk: _Walk) -> Any:
        ref = node["$ref"]
        target = self._expand(ref, walk) if isinstance(ref, str) else {}
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if not self._is_31:  # before 3.1, keywords beside $ref are ignored, annotations kept
            siblings = {key: value for key, value in siblings.items() if key in _ANNOTATIONS}
        flags = (siblings.pop("nullable", False), siblings.pop("x-nullable", False))
        merged = self._merge(target, self._fix(self._children(siblings, walk), walk))
        return _nullable(merged) if True in flags else merged

    @staticmethod
    def _merge(target: Any, extra: dict[str, Any]) -> Any:
        if not extra:
            return target
        if isinstance(target, dict) and set(extra) <= _ANNOTATIONS:
            return {**target, **extra}
        return {"allOf": [target], **extra}

    def _expand(self, ref: str, walk: _Walk) -> Any:
        if ref in walk.stack:
            walk.cuts += 1
            self._warnings.add(f"{ref}: refers to itself; the nested level accepts any value")
            return {"description": f"(recursive: {ref.rsplit('/', 1)[-1]})"}
        if ref in self._memo:
            schema, size = self._memo[ref]
            return schema if self._count(walk, size) else {}
        try:
            raw = self._refs.lookup(ref)
        except UnresolvedRef:
            self._warnings.add(f"{walk.location}: cannot resolve $ref {ref!r}; any value accepted")
            return {}
        return self._expand_new(ref, raw, walk)

    def _expand_new(self, ref: str, raw: Any, walk: _Walk) -> Any:
        nodes, cuts = walk.nodes, walk.cuts
        walk.stack.append(ref)
        try:
            schema = self._schema(raw, walk)
        finally:
            walk.stack.pop()
        if walk.cuts == cuts:
            self._memo[ref] = (schema, walk.nodes - nodes)
        return schema

    def _fix(self, out: dict[str, Any], walk: _Walk) -> dict[str, Any]:
        """Rewrite dialect keywords into JSON Schema 2020-12 and drop what cannot work."""
        where = walk.location
        self._fix_type(out, where)
        _fix_exclusive(out)
        if "example" in out:
            example = out.pop("example")
            out.setdefault("examples", [example])
        self._fix_enum(out, where)
        self._fix_numbers(out, where)
        self._fix_pattern(out, where)
        self._fix_required(out, where)
        _drop_read_only(out)
        nullable = out.pop("nullable", None) is True or out.pop("x-nullable", None) is True
        return _nullable(out) if nullable else out

    def _fix_type(self, out: dict[str, Any], where: str) -> None:
        kind = out.get("type")
        if kind == "file":  # Swagger 2.0 upload
            out["type"], out["format"] = "string", "binary"
            return
        kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
        good = [k for k in kinds if isinstance(k, str) and k in _TYPES]
        if len(good) == len(kinds):
            return
        self._warnings.add(f"{where}: unknown type {kind!r} ignored")
        if good:
            out["type"] = good if isinstance(kind, list) else good[0]
        else:
            del out["type"]

    def _fix_enum(self, out: dict[str, Any], where: str) -> None:
        values = out.get("enum")
        if values is not None and not isinstance(values, list):
            self._warnings.add(f"{where}: 'enum' is not a list; ignored")
            del out["enum"]
        if not isinstance(values, list):
            return
        unique: dict[str, Any] = {}
        for value in values:
            key = json.dumps(value, sort_keys=True)
            if key in unique:
                self._warnings.add(f"{where}: enum lists {value!r} more than once; kept once")
            unique.setdefault(key, value)
        out["enum"] = list(unique.values())

    def _fix_numbers(self, out: dict[str, Any], where: str) -> None:
        """Drop bounds that are not numbers: they would make validation itself fail."""
        for key in (*_NUMBERS, *_COUNTS):
            value = out.get(key)
            if value is None:
                continue
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if key in _COUNTS and number and float(value).is_integer() and value >= 0:
                out[key] = int(value)
            elif not number or key in _COUNTS or (key == "multipleOf" and value <= 0):
                self._warnings.add(f"{where}: {key} {value!r} is not a valid bound; ignored")
                del out[key]

    def _fix_pattern(self, out: dict[str, Any], where: str) -> None:
        pattern = out.get("pattern")
        if pattern is None:
            return
        try:
            re.compile(pattern)
        except (re.error, TypeError):
            self._warnings.add(f"{where}: pattern {pattern!r} is not a usable regex; ignored")
            del out["pattern"]

    def _fix_required(self, out: dict[str, Any], where: str) -> None:
        required = out.get("required")
        if required is None:
            return
        if isinstance(required, list) and all(isinstance(item, str) for item in required):
            out["required"] = list(dict.fromkeys(required))
            return
        self._warnings.add(f"{where}: 'required' is not a list of names; ignored")
        del out["required"]


def _fix_exclusive(out: dict[str, Any]) -> None:
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        flag = out.get(exclusive)
        if not isinstance(flag, bool):
            continue
        del out[exclusive]
        if flag and bound in out:
            out[exclusive] = out.pop(bound)


def _drop_read_only(out: dict[str, Any]) -> None:
    properties = out.get("properties")
    if not isinstance(properties, dict):
        return
    hidden = {
        name for name, sub in properties.items() if isinstance(sub, dict) and sub.get("readOnly")
    }
    if not hidden:
        return
    out["properties"] = {k: v for k, v in properties.items() if k not in hidden}
    if isinstance(out.get("required"), list):
        out["required"] = [name for name in out["required"] if name not in hidden]


def _nullable(schema: Any) -> Any:
    """Let ``schema`` also accept ``null``."""
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if isinstance(kind, str | list):
        kinds = [kind] if isinstance(kind, str) else list(kind)
        out = {**schema, "type": kinds if "null" in kinds else [*kinds, "null"]}
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            out["enum"] = [*schema["enum"], None]
        return out
    return {"anyOf": [schema, {"type": "null"}]}
