"""One operation of a document → everything an action needs except its final name.

Parameters come from the path item and the operation (the operation's win), each keeping its
location and serialisation style; the request body becomes one parameter (``body``). All of
them form one JSON Schema object, one property per parameter.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from threatflow.apps.openapi._media import is_json
from threatflow.apps.openapi._names import NameCandidate, from_method_path, from_operation_id
from threatflow.apps.openapi._names import unique as unique_names
from threatflow.apps.openapi._schema import Refs, SchemaConverter, UnresolvedRef, Warnings
from threatflow.apps.openapi._security import requirements
from threatflow.apps.openapi._servers import operation_server
from threatflow.apps.openapi._spec import BodySpec, Location, ParamSpec, SchemeSpec

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LOCATIONS: tuple[Location, ...] = ("path", "query", "header", "cookie")
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_STYLES = {
    "path": {"simple", "label", "matrix"},
    "query": {"form", "spaceDelimited", "pipeDelimited", "deepObject"},
    "header": {"simple"},
    "cookie": {"form"},
}
_COLLECTION_FORMATS = {
    "csv": ("form", False),
    "multi": ("form", True),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
    "tsv": ("tabDelimited", False),
}
_V2_PARAM_KEYS = frozenset(
    {"name", "in", "required", "description", "collectionFormat", "allowEmptyValue", "schema"}
)
_FORM_MEDIA = ("application/x-www-form-urlencoded", "multipart/form-data")


class SkipOperation(Exception):
    """The operation cannot be imported; the message says why."""


@dataclass
class _Param:
    wire: str
    location: Location
    schema: Any
    required: bool
    style: str
    explode: bool
    media_type: str | None = None


@dataclass
class _Body:
    schema: Any
    media_type: str
    required: bool


@dataclass(frozen=True)
class OperationDraft:
    """An operation read from the document, waiting for its unique action name."""

    candidate: NameCandidate
    fields: dict[str, Any]


class OperationReader:
    """Read the operations of one document."""

    def __init__(
        self,
        document: dict[str, Any],
        refs: Refs,
        converter: SchemaConverter,
        schemes: dict[str, SchemeSpec],
        warnings: Warnings,
        source_url: str | None,
    ) -> None:
        self._refs = refs
        self._converter = converter
        self._schemes = schemes
        self._warnings = warnings
        self._source_url = source_url
        self._swagger = "swagger" in document
        self._security = document.get("security")
        self._consumes = document.get("consumes")
        self._produces = document.get("produces")
        self.without_credentials = 0

    def read(
        self, path: str, method: str, item: dict[str, Any], op: dict[str, Any]
    ) -> OperationDraft:
        """An :class:`OperationDraft`; raise :class:`SkipOperation` when it cannot be used."""
        where = f"{method.upper()} {path}"
        params, swagger_body = self._parameters(path, item, op, where)
        body = (
            self._swagger_body(swagger_body, op, where) if self._swagger else self._body(op, where)
        )
        names, body_name = _form_names(params, body)
        operation_id = op.get("operationId")
        candidate = from_operation_id(operation_id) if isinstance(operation_id, str) else None
        return OperationDraft(
            candidate or from_method_path(method, path),
            {
                **_describe(op),
                "operation_id": operation_id if isinstance(operation_id, str) else None,
                "method": method.upper(),
                "path": path,
                "server_url": self._server(item, op),
                "parameters": [_param_spec(p, name) for p, name in zip(params, names, strict=True)],
                "body": _body_spec(body, body_name),
                "accept": self._accept(op),
                "security": self._requirements(op),
                "params_schema": _params_schema(params, names, body, body_name),
            },
        )

    # -- parameters -------------------------------------------------------------------------

    def _parameters(
        self, path: str, item: dict[str, Any], op: dict[str, Any], where: str
    ) -> tuple[list[_Param], list[dict[str, Any]]]:
        params: list[_Param] = []
        swagger_body: list[dict[str, Any]] = []
        for raw in self._merged(item, op, where):
            if self._swagger and raw.get("in") in ("body", "formData"):
                swagger_body.append(raw)
            elif (param := self._param(raw, where)) is not None:
                params.append(param)
        declared = {param.wire for param in params if param.location == "path"}
        for name in dict.fromkeys(_TEMPLATE.findall(path)):
            if name not in declared:
                self._warnings.add(f"{where}: path parameter {name!r} is not declared; added")
                params.append(_Param(name, "path", {"type": "string"}, True, "simple", False))
        return params, swagger_body

    def _merged(self, item: dict[str, Any], op: dict[str, Any], where: str) -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*_as_list(item.get("parameters")), *_as_list(op.get("parameters"))]:
            try:
                param = self._refs.follow(raw)
            except UnresolvedRef as exc:
                raise SkipOperation(f"cannot resolve parameter $ref {exc.ref!r}") from None
            if not isinstance(param, dict) or not isinstance(param.get("name"), str):
                self._warnings.add(f"{where}: a parameter without a name was ignored")
                continue
            merged[(param["name"], str(param.get("in")))] = param
        return list(merged.values())

    def _param(self, raw: dict[str, Any], where: str) -> _Param | None:
        name, location = raw["name"], raw.get("in")
        if location == "header" and name.lower() in _IGNORED_HEADERS:
            self._warnings.add(
                f"header parameters named {name!r} are ignored, as OpenAPI requires "
                "(authentication belongs in a security scheme)"
            )
            return None
        if not isinstance(location, str) or location not in _LOCATIONS:
            self._warnings.add(f"{where}: parameter {name!r} in {location!r} ignored")
            return None
        schema, media_type = self._param_schema(raw, f"{where} parameter {name!r}")
        style, explode = self._style(raw, location, where)
        required = location == "path" or raw.get("required") is True
        return _Param(name, location, schema, required, style, explode, media_type)

    def _param_schema(self, raw: dict[str, Any], where: str) -> tuple[Any, str | None]:
        media_type = None
        if self._swagger:
            source: Any = {k: v for k, v in raw.items() if k not in _V2_PARAM_KEYS}
        elif "schema" in raw:
            source = raw["schema"]
        elif isinstance(raw.get("content"), dict) and raw["content"]:
            media_type, media = next(iter(raw["content"].items()))
            source = media.get("schema", {}) if isinstance(media, dict) else {}
        else:
            source = {}
        schema = self._converter.convert(source, where)
        return _annotate(schema, raw), media_type

    def _style(self, raw: dict[str, Any], location: str, where: str) -> tuple[str, bool]:
        form = location in ("query", "cookie")
        if self._swagger:
            collection = str(raw.get("collectionFormat", "csv"))
            style, explode = _COLLECTION_FORMATS.get(collection, ("form", False))
            return ("simple" if style == "form" and not form else style), explode
        style = raw.get("style", "form" if form else "simple")
        if not isinstance(style, str) or style not in _STYLES[location]:
            self._warnings.add(f"{where}: style {style!r} not allowed in {location}; default used")
            style = "form" if form else "simple"
        explode = raw.get("explode", style == "form")
        return style, explode is True

    # -- request body -----------------------------------------------------------------------

    def _body(self, op: dict[str, Any], where: str) -> _Body | None:
        if "requestBody" not in op:
            return None
        try:
            body = self._refs.follow(op["requestBody"])
        except UnresolvedRef as exc:
            raise SkipOperation(f"cannot resolve request body $ref {exc.ref!r}") from None
        content = body.get("content") if isinstance(body, dict) else None
        if not isinstance(content, dict) or not content:
            self._warnings.add(f"{where}: request body without content ignored")
            return None
        media_type = pick_media_type(list(content))
        media = content[media_type] if isinstance(content[media_type], dict) else {}
        schema = self._converter.convert(media.get("schema", {}), f"{where} request body")
        return _Body(_annotate(schema, body), _concrete(media_type), body.get("required") is True)

    def _swagger_body(
        self, raws: list[dict[str, Any]], op: dict[str, Any], where: str
    ) -> _Body | None:
        consumes = [str(t) for t in _as_list(op.get("consumes", self._consumes))]
        bodies = [raw for raw in raws if raw.get("in") == "body"]
        if bodies:
            schema = self._converter.convert(bodies[0].get("schema", {}), f"{where} body")
            media_type = _concrete(pick_media_type(consumes) if consumes else "application/json")
            return _Body(
                _annotate(schema, bodies[0]), media_type, bodies[0].get("required") is True
            )
        if not raws:
            return None
        properties = {
            raw["name"]: self._param_schema(raw, f"{where} form field {raw['name']!r}")[0]
            for raw in raws
        }
        required = [raw["name"] for raw in raws if raw.get("required") is True]
        uploads = any(raw.get("type") == "file" for raw in raws)
        media_type = _FORM_MEDIA[1] if uploads or _FORM_MEDIA[1] in consumes else _FORM_MEDIA[0]
        schema = {"type": "object", "properties": properties}
        return _Body({**schema, "required": required} if required else schema, media_type, True)

    # -- the rest ---------------------------------------------------------------------------

    def _accept(self, op: dict[str, Any]) -> str | None:
        if self._swagger:
            types = [str(t) for t in _as_list(op.get("produces", self._produces))]
        else:
            types = self._response_types(op.get("responses"))
        json_types = [t for t in types if is_json(t)]
        return json_types[0] if json_types else None

    def _response_types(self, responses: Any) -> list[str]:
        types: list[str] = []
        for code, raw in (responses or {}).items() if isinstance(responses, dict) else ():
            if not str(code).startswith("2"):
                continue
            try:
                response = self._refs.follow(raw)
            except UnresolvedRef:
                continue  # responses only pick the Accept header
            content = response.get("content") if isinstance(response, dict) else None
            if isinstance(content, dict):
                types.extend(content)
        return types

    def _requirements(self, op: dict[str, Any]) -> list[dict[str, list[str]]]:
        raw = op.get("security", self._security)
        kept = requirements(raw, self._schemes)
        if isinstance(raw, list) and raw and not kept:
            self.without_credentials += 1
        return kept

    def _server(self, item: dict[str, Any], op: dict[str, Any]) -> str | None:
        if self._swagger:
            return None
        return operation_server(op.get("servers") or item.get("servers"), self._source_url)


def pick_media_type(types: list[str]) -> str:
    """The media type to send: JSON first, then forms, then text, else the first listed."""
    lowered = [t.split(";")[0].strip().lower() for t in types]
    for wanted in (is_json, _FORM_MEDIA[0].__eq__, _FORM_MEDIA[1].__eq__):
        for original, media_type in zip(types, lowered, strict=True):
            if wanted(media_type):
                return original
    texts = [t for t, low in zip(types, lowered, strict=True) if low.startswith("text/")]
    return texts[0] if texts else types[0]


def _concrete(media_type: str) -> str:
    """A wildcard range (``*/*``, ``application/*``) is sent as JSON."""
    return "application/json" if "*" in media_type else media_type


def _form_names(params: list[_Param], body: _Body | None) -> tuple[list[str], str]:
    counts = Counter(param.wire for param in params)
    wanted = [p.wire if counts[p.wire] == 1 else f"{p.wire}_{p.location}" for p in params]
    names = unique_names(wanted)
    body_name = "body" if "body" not in names else unique_names(["request_body"], names)[0]
    return names, body_name


def _params_schema(
    params: list[_Param], names: list[str], body: _Body | None, body_name: str
) -> dict[str, Any]:
    properties = {name: param.schema for param, name in zip(params, names, strict=True)}
    required = [name for param, name in zip(params, names, strict=True) if param.required]
    if body is not None:
        properties[body_name] = body.schema
        if body.required:
            required.append(body_name)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def _describe(op: dict[str, Any]) -> dict[str, Any]:
    return {
        "summary": _text(op.get("summary")),
        "description": _text(op.get("description")) or _text(op.get("summary")),
        "tags": [tag for tag in _as_list(op.get("tags")) if isinstance(tag, str)],
        "deprecated": op.get("deprecated") is True,
    }


def _body_spec(body: _Body | None, name: str) -> BodySpec | None:
    if body is None:
        return None
    return BodySpec(name=name, media_type=body.media_type, required=body.required)


def _param_spec(param: _Param, name: str) -> ParamSpec:
    return ParamSpec(
        name=name,
        wire_name=param.wire,
        location=param.location,
        style=param.style,
        explode=param.explode,
        media_type=param.media_type,
    )


def _annotate(schema: Any, owner: dict[str, Any]) -> Any:
    """Put the parameter's (or body's) own description and flags on its schema."""
    if not isinstance(schema, dict):
        return schema
    extra: dict[str, Any] = {}
    if isinstance(owner.get("description"), str) and owner["description"].strip():
        extra["description"] = owner["description"].strip()
    if owner.get("deprecated") is True:
        extra["deprecated"] = True
    if "example" in owner and "examples" not in schema:
        extra["examples"] = [owner["example"]]
    return {**schema, **extra} if extra else schema


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
