"""Parameters onto the wire, following OpenAPI's serialisation styles, and the response back.

Styles (``style``/``explode``): path ``simple``, ``label``, ``matrix``; query ``form``,
``spaceDelimited``, ``pipeDelimited``, ``deepObject`` (and Swagger 2.0's tab-separated
arrays); header ``simple``; cookie ``form``. Values are JSON values already checked against
the action's schema.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from threatflow.apps.openapi._spec import ActionSpec, BodySpec, ParamSpec

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|", "tabDelimited": "\t"}
_COOKIE_SAFE = "-._~!$&'()*+/:=?@[]"
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def is_json(media_type: str) -> bool:
    """``application/json``, ``application/problem+json``, ``text/json``..."""
    base = media_type.split(";")[0].strip().lower()
    return base in ("application/json", "text/json") or base.endswith("+json")


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
    media_type = body.media_type.split(";")[0].strip().lower()
    if media_type == _FORM and isinstance(value, dict):  # httpx writes the Content-Type
        request.content["data"] = {k: _form_value(v) for k, v in value.items() if v is not None}
        return
    if media_type == _MULTIPART and isinstance(value, dict):
        # (None, text) makes a plain form field; httpx writes the header with the boundary.
        # TODO(openapi): file parts go out as text fields; real uploads need a way to pass
        # files (bytes and a file name) from earlier steps, which workflows do not have yet.
        fields = [(str(k), (None, _text(v))) for k, v in value.items() if v is not None]
        request.content["files"] = fields
        return
    if isinstance(value, str) and not is_json(media_type):
        request.content["content"] = value.encode()
    else:
        request.content["content"] = json.dumps(value, ensure_ascii=False).encode()
    request.headers["Content-Type"] = body.media_type


def _form_value(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [_text(item) for item in value]
    return _text(value)


def response_result(response: httpx.Response) -> dict[str, Any]:
    """``{"status", "headers", "body"}``; the body parsed as JSON when it says it is JSON."""
    body: Any = None
    # TODO(openapi): binary bodies (images, archives) come back as decoded text; return them
    # base64-encoded with their media type once step outputs can carry files.
    if response.content:
        body = response.text
        if is_json(response.headers.get("content-type", "")):
            with contextlib.suppress(ValueError):  # a server that mislabels text keeps its text
                body = response.json()
    return {"status": response.status_code, "headers": dict(response.headers), "body": body}
