"""A strict second opinion on the document, reported as warnings only.

``openapi-spec-validator`` knows the OpenAPI and Swagger schemas far better than the importer
needs to; real documents often break them in ways that do not stop an import (MISP lists an
enum value twice), so its findings become warnings. It would fetch ``$ref`` targets in other
files or on the network, which an importer run on a server must never do: documents with such
references are not checked, and every URL scheme it could fetch is refused anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema_path.handlers.urllib import UrllibHandler
from openapi_spec_validator import (
    OpenAPIV2SpecValidator,
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
)
from openapi_spec_validator.validation.validators import SpecValidator

MAX_REPORTED = 20
_MESSAGE_LENGTH = 240


class _NoFetch(UrllibHandler):
    """A handler for every scheme the validator could fetch, refusing them all."""

    def __call__(self, uri: str) -> Any:
        raise ValueError(f"not fetching {uri}")


_SCHEMES = ("<all_urls>", "http", "https", "file", "ftp", "data")
_NO_FETCH: dict[str, UrllibHandler] = {scheme: _NoFetch(scheme) for scheme in _SCHEMES}


class _V2(OpenAPIV2SpecValidator):
    resolver_handlers = _NO_FETCH


class _V30(OpenAPIV30SpecValidator):
    resolver_handlers = _NO_FETCH


class _V31(OpenAPIV31SpecValidator):
    resolver_handlers = _NO_FETCH


_VALIDATORS: dict[str, type[SpecValidator]] = {"2.0": _V2, "3.0": _V30, "3.1": _V31}


def check_document(data: dict[str, Any], dialect: str) -> list[str]:
    """Problems ``openapi-spec-validator`` finds, as short warnings (at most ``MAX_REPORTED``)."""
    external = sorted(external_refs(data))
    if external:
        return [f"document check skipped: references outside the document ({external[0]!r})"]
    problems: list[str] = []
    try:
        errors = _VALIDATORS[dialect](data).iter_errors()
        problems.extend(_describe(error) for error in errors)
    except Exception as exc:  # an advisory checker: its own failure must not stop the import
        problems.append(f"document check stopped early: {type(exc).__name__}")
    if len(problems) > MAX_REPORTED:
        extra = len(problems) - MAX_REPORTED
        problems = [*problems[:MAX_REPORTED], f"document check: {extra} more problem(s)"]
    return problems


def _describe(error: ValidationError) -> str:
    path = "/".join(str(part) for part in error.absolute_path)
    message = error.message.splitlines()[0] if error.message else "invalid"
    if len(message) > _MESSAGE_LENGTH:
        message = message[: _MESSAGE_LENGTH - 3] + "..."
    where = f" at {path}" if path else ""
    return f"document check{where}: {message}"


def external_refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` that does not point inside the document itself."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                yield ref
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
