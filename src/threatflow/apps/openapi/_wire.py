"""Parameters onto the wire, following OpenAPI's serialisation styles, and the response back.

Styles (``style``/``explode``): path ``simple``, ``label``, ``matrix``; query ``form``,
``spaceDelimited``, ``pipeDelimited``, ``deepObject`` (and Swagger 2.0's tab-separated
arrays); header ``simple``; cookie ``form``. Values are JSON values already checked against
the action's schema, except files, which arrive as :class:`FileValue` (see ``_files``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from threatflow.apps.openapi._files import FileValue, binary_body
from threatflow.apps.openapi._media import (
    FORM,
    MULTIPART,
    OCTET_STREAM,
    base_type,
    is_json,
    is_text,
)
from threatflow.apps.openapi._spec import ActionSpec, BodySpec, ParamSpec

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|", "tabDelimited": "\t"}
_COOKIE_SAFE = "-._~!$&'()*+/:=?@[]"


@dataclass
class WireRequest:
    """What the action sends, before authentication is added."""

    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)

    def httpx_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :meth:`HttpClient.request` (cookies go in one header)."""
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"params": self.query, "headers": headers, **self.content}


def build_request(action: ActionSpec, params: Mapping[str, Any]) -> WireRequest:
    """Place each parameter where the document says, serialised in its style."""
    path_values: dict[str, str] = {}
    request = WireRequest(path=action.path)
    for spec in action.parameters:
        value = params.get(spec.name)
        if value is None:
            continue
        if spec.media_type is not None:
            value = json.dumps(value) if is_json(spec.media_type) else _text(value)
        if spec.location == "path":
            path_values[spec.wire_name] = _path_value(spec, value)
        elif spec.location == "query":
            request.query.extend(_query_pairs(spec, value))
        elif spec.location == "header":
            request.headers[spec.wire_name] = _joined(value, ",", spec.explode)
        else:
            request.cookies[spec.wire_name] = quote(_joined(value, ",", False), _COOKIE_SAFE)
    request.path = _TEMPLATE.sub(lambda m: path_values.get(m.group(1), m.group(0)), action.path)
    if action.accept:
        request.headers["Accept"] = action.accept
    _add_body(request, action.body, params)
    return request


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"))


def _items(value: Any, explode: bool, pair: str = "=") -> list[str]:
    """Array items, or object members as ``k=v`` (exploded) or ``k, v`` (not exploded)."""
    if isinstance(value, list):
        return [_text(item) for item in value]
    if isinstance(value, dict):
        if explode:
            return [f"{k}{pair}{_text(v)}" for k, v in value.items()]
        return [text for k, v in value.items() for text in (str(k), _text(v))]
    return [_text(value)]


def _joined(value: Any, separator: str, explode: bool) -> str:
    return separator.join(_items(value, explode))


def _path_value(spec: ParamSpec, value: Any) -> str:
    def enc(text: str) -> str:
        return quote(text, safe="")

    if spec.style == "label":
        separator = "." if spec.explode else ","
        return "." + separator.join(enc(item) for item in _items(value, spec.explode))
    if spec.style == "matrix":
        return _matrix(spec, value, enc)
    return ",".join(enc(item) for item in _items(value, spec.explode))


def _matrix(spec: ParamSpec, value: Any, enc: Any) -> str:
    name = spec.wire_name
    if isinstance(value, dict) and spec.explode:
        return "".join(f";{enc(str(k))}={enc(_text(v))}" for k, v in value.items())
    if isinstance(value, list) and spec.explode:
        return "".join(f";{name}={enc(item)}" for item in _items(value, True))
    return f";{name}=" + ",".join(enc(item) for item in _items(value, False))


def _query_pairs(spec: ParamSpec, value: Any) -> list[tuple[str, str]]:
    name = spec.wire_name
    if spec.style == "deepObject" and isinstance(value, dict):
        return [(f"{name}[{key}]", _text(item)) for key, item in value.items()]
    if isinstance(value, dict) and spec.explode:
        return [(str(key), _text(item)) for key, item in value.items()]
    if isinstance(value, list) and spec.explode:
        return [(name, _text(item)) for item in value]
    separator = _DELIMITERS.get(spec.style, ",")
    return [(name, separator.join(_items(value, False)))]


def _add_body(request: WireRequest, body: BodySpec | None, params: Mapping[str, Any]) -> None:
    if body is None or params.get(body.name) is None:
        return
    value = params[body.name]
    media_type = base_type(body.media_type)
    if media_type == FORM and isinstance(value, dict):  # httpx writes the Content-Type
        request.content["data"] = {k: _form_value(v) for k, v in value.items() if v is not None}
        return
    if media_type == MULTIPART and isinstance(value, dict):
        request.content["files"] = _parts(value)  # httpx writes the header with the boundary
        return
    if isinstance(value, FileValue):  # the whole body is one file: its bytes as they are
        request.content["content"] = value.content
    elif isinstance(value, str) and not is_json(media_type):
        request.content["content"] = value.encode()
    else:
        request.content["content"] = json.dumps(value, ensure_ascii=False).encode()
    request.headers["Content-Type"] = body.media_type


def _parts(value: dict[str, Any]) -> list[tuple[str, Any]]:
    """One part per field, and per file of an array of files."""
    parts: list[tuple[str, Any]] = []
    for name, item in value.items():
        if isinstance(item, list) and any(isinstance(each, FileValue) for each in item):
            parts.extend((str(name), _part(each)) for each in item)
        elif item is not None:
            parts.append((str(name), _part(item)))
    return parts


def _part(value: Any) -> tuple[str, bytes, str] | tuple[None, str]:
    """httpx's part tuples: a file part with its name and type, or (None, text), a field."""
    if isinstance(value, FileValue):
        return value.filename, value.content, value.media_type
    return None, _text(value)


def _form_value(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [_text(item) for item in value]
    return _text(value)


def response_result(response: httpx.Response) -> dict[str, Any]:
    """``{"status", "headers", "body"}``: the body as JSON or text when it says it is one of
    those, else as ``{"base64", "media_type", "size", "sha256"}``; ``None`` when empty."""
    body = _response_body(response) if response.content else None
    return {"status": response.status_code, "headers": dict(response.headers), "body": body}


def _response_body(response: httpx.Response) -> Any:
    media_type = response.headers.get("content-type", "").strip()
    if is_json(media_type):
        try:
            return response.json()
        except ValueError:  # a server that mislabels text keeps its text
            return response.text
    if is_text(media_type) or (not media_type and _is_utf8(response.content)):
        return response.text
    return binary_body(response.content, media_type or OCTET_STREAM)


def _is_utf8(content: bytes) -> bool:
    """Without a Content-Type, text that decodes stays text; anything else is bytes."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
