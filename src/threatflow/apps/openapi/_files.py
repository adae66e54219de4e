"""Files in imported actions: upload parts, raw binary request bodies and binary responses.

A workflow step passes a file as an object (``media_type`` optional)::

    {"filename": "sample.exe", "content_base64": "TVqQAAMAAAAEAAAA", "media_type": "..."}

or as a string: text for a multipart field, base64 for a whole body.

Which body fields hold files is read from the action's schema when the app is built: a string
with ``format: binary`` (Swagger's ``type: file`` is converted to it), ``contentMediaType`` or
``contentEncoding`` (OpenAPI 3.1), in a ``multipart/form-data`` body; or the whole body when
its media type is neither JSON, text nor a form. Specs stored before files were supported get
them too, as nothing new is stored. Those fields' schemas are replaced by one accepting the
forms above, and :func:`read_files` turns the values into :class:`FileValue` once they are
valid, so bad base64 is a parameter problem and nothing is sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatflow.apps.openapi._media import MULTIPART, OCTET_STREAM, base_type, is_binary, is_json
from threatflow.apps.openapi._spec import ActionSpec
from threatflow.errors import Problem

TEXT_PLAIN = "text/plain; charset=utf-8"

_COMBINATORS = ("allOf", "anyOf", "oneOf")
_KEPT = ("title", "description", "deprecated")
_ANNOTATIONS = frozenset({*_KEPT, "examples", "default", "readOnly", "writeOnly"})
# a type/subtype token pair and printable parameters: no line breaks to smuggle part headers
_MEDIA_TYPE = r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(;[ -~]*)?$"


@dataclass(frozen=True, slots=True)
class FileValue:
    """A file taken from a step's parameters, ready to send."""

    filename: str
    content: bytes
    media_type: str


@dataclass(frozen=True)
class FileFields:
    """Where the body parameter ``body`` of an action holds files.

    ``whole``: the body is one file, sent as raw bytes. Otherwise ``parts`` maps each multipart
    field holding one file to the media type sent when the step names none, and ``lists``
    does the same for fields holding an array of files (one part per file).
    """

    body: str
    whole: bool = False
    parts: Mapping[str, str] = field(default_factory=dict)
    lists: Mapping[str, str] = field(default_factory=dict)


def is_file_schema(schema: Any) -> bool:
    """A string schema that stands for bytes rather than text."""
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    kinds = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
    if not kinds <= {"string", "null"}:
        return False
    media_type = schema.get("contentMediaType")
    if isinstance(media_type, str) and not is_json(media_type):
        return True
    # Discord writes 3.1's contentEncoding as "binary", the 3.1 migration guide as "base64"
    return schema.get("format") == "binary" or isinstance(schema.get("contentEncoding"), str)


def file_fields(action: ActionSpec) -> FileFields | None:
    """Which parts of ``action``'s body are files; ``None`` when it sends none."""
    if action.body is None:
        return None
    name = action.body.name
    schema = action.params_schema.get("properties", {}).get(name)
    if base_type(action.body.media_type) == MULTIPART:
        parts: dict[str, str] = {}
        lists: dict[str, str] = {}
        _collect(schema, parts, lists)
        return FileFields(name, parts=parts, lists=lists) if parts or lists else None
    if is_binary(action.body.media_type) and (is_file_schema(schema) or _open(schema)):
        return FileFields(name, whole=True)
    return None


def _collect(schema: Any, parts: dict[str, str], lists: dict[str, str]) -> None:
    """File fields of a multipart schema, also inside ``allOf`` (Discord uses that)."""
    if not isinstance(schema, dict):
        return
    properties = schema.get("properties")
    for name, sub in properties.items() if isinstance(properties, dict) else ():
        if is_file_schema(sub):
            parts[name] = _default_type(sub)
        elif isinstance(sub, dict) and is_file_schema(sub.get("items")):
            lists[name] = _default_type(sub["items"])
    for key in _COMBINATORS:
        members = schema.get(key)
        for member in members if isinstance(members, list) else ():
            _collect(member, parts, lists)


def _open(schema: Any) -> bool:
    """No schema at all: how OpenAPI 3.1 says "any bytes" (``application/octet-stream: {}``)."""
    return schema is True or (isinstance(schema, dict) and set(schema) <= _ANNOTATIONS)


def _default_type(schema: dict[str, Any]) -> str:
    media_type = schema.get("contentMediaType")
    if isinstance(media_type, str) and "*" not in media_type:
        return media_type
    return OCTET_STREAM


# -- the schema a step's values are checked against ----------------------------------------


def accepting_files(params_schema: dict[str, Any], fields: FileFields) -> dict[str, Any]:
    """``params_schema`` with each file field accepting a file object or a string."""
    properties = params_schema.get("properties", {})
    body = properties.get(fields.body)
    if fields.whole:
        body = _accepting(body, _body_text(), _file_object(OCTET_STREAM, filename=False))
    else:
        body = _with_file_parts(body)
    return {**params_schema, "properties": {**properties, fields.body: body}}


def _with_file_parts(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {name: _part_schema(sub) for name, sub in properties.items()}
    for key in _COMBINATORS:
        if isinstance(schema.get(key), list):
            out[key] = [_with_file_parts(member) for member in schema[key]]
    return out


def _part_schema(schema: Any) -> Any:
    if is_file_schema(schema):
        return _accepting(schema, _part_text(), _file_object(_default_type(schema)))
    if isinstance(schema, dict) and is_file_schema(schema.get("items")):
        items = schema["items"]
        accepted = _accepting(items, _part_text(), _file_object(_default_type(items)))
        return {**schema, "items": accepted}
    return schema


def _accepting(original: Any, text: dict[str, Any], file: dict[str, Any]) -> dict[str, Any]:
    """A file or text; the original's title and description kept for the form."""
    original = original if isinstance(original, dict) else {}
    options = [text, file]
    kind = original.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        options.append({"type": "null"})
    return {**{k: original[k] for k in _KEPT if k in original}, "oneOf": options}


def _part_text() -> dict[str, Any]:
    return {
        "type": "string",
        "title": "Text",
        "description": "Text content, sent as a text/plain file named after the field.",
    }


def _body_text() -> dict[str, Any]:
    return {
        "type": "string",
        "title": "Base64",
        "contentEncoding": "base64",
        "description": "The body's bytes, base64-encoded.",
    }


def _file_object(default_type: str, *, filename: bool = True) -> dict[str, Any]:
    return {
        "type": "object",
        "title": "File",
        "properties": {
            "filename": {"type": "string", "minLength": 1, "description": "Name of the file."},
            "content_base64": {
                "type": "string",
                "contentEncoding": "base64",
                "description": "The file's bytes, base64-encoded.",
            },
            "media_type": {
                "type": "string",
                "pattern": _MEDIA_TYPE,
                "description": f"Content type of the file; {default_type} when not given.",
            },
        },
        "required": ["filename", "content_base64"] if filename else ["content_base64"],
        "additionalProperties": False,
    }


# -- values --------------------------------------------------------------------------------


def read_files(params: dict[str, Any], fields: FileFields) -> tuple[dict[str, Any], list[Problem]]:
    """``params`` with file fields as :class:`FileValue`, and the base64 that did not decode.

    Values of the wrong shape are left as they are: the schema check reports those.
    """
    body = params.get(fields.body)
    path = f"params.{fields.body}"
    problems: list[Problem] = []
    if fields.whole and body is not None:
        body = _whole(body, fields.body, path, problems)
    elif isinstance(body, dict):
        body = {name: _field(name, value, fields, path, problems) for name, value in body.items()}
    else:
        return params, []
    return {**params, fields.body: body}, problems


def _field(name: str, value: Any, fields: FileFields, path: str, problems: list[Problem]) -> Any:
    if name in fields.parts:
        return _part(value, name, f"{path}.{name}", fields.parts[name], problems)
    if name in fields.lists and isinstance(value, list):
        default = fields.lists[name]
        return [
            _part(item, name, f"{path}.{name}[{index}]", default, problems)
            for index, item in enumerate(value)
        ]
    return value


def _part(value: Any, name: str, path: str, default: str, problems: list[Problem]) -> Any:
    if isinstance(value, str):
        return FileValue(name, value.encode(), TEXT_PLAIN)
    return _from_object(value, name, path, default, problems)


def _whole(value: Any, name: str, path: str, problems: list[Problem]) -> Any:
    if not isinstance(value, str):
        return _from_object(value, name, path, OCTET_STREAM, problems)
    content = _decode(value)
    if content is None:
        problems.append(Problem(path, "not valid base64", "base64"))
        return value
    return FileValue(name, content, OCTET_STREAM)


def _from_object(
    value: Any, filename: str, path: str, default: str, problems: list[Problem]
) -> Any:
    if not (isinstance(value, dict) and isinstance(value.get("content_base64"), str)):
        return value
    content = _decode(value["content_base64"])
    if content is None:
        problems.append(Problem(path, "not valid base64", "base64"))
        return value
    return FileValue(
        str(value.get("filename") or filename), content, str(value.get("media_type") or default)
    )


def _decode(text: str) -> bytes | None:
    """Standard base64; line breaks (as MIME tools write it) are allowed."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):  # ValueError: characters outside ASCII
        return None


def binary_body(content: bytes, media_type: str) -> dict[str, Any]:
    """A response body that is not text, in a form later steps can hash or send on."""
    return {
        "base64": base64.b64encode(content).decode("ascii"),
        "media_type": media_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
