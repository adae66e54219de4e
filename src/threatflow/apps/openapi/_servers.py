"""Where requests go: the server URL of a document, its variables and their defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from threatflow.apps.openapi._schema import Warnings

_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True, slots=True)
class Server:
    """A server URL template (``{protocol}://{host}:{port}``) and its variables."""

    url: str
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def absolute(self) -> bool:
        return bool(urlsplit(fill(self.url, self.defaults())).netloc)

    def defaults(self) -> dict[str, str]:
        return {name: str(spec.get("default", "")) for name, spec in self.variables.items()}


def fill(template: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` with its value; unknown names stay as they are."""
    return _VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def read_server(
    document: dict[str, Any], source_url: str | None, warnings: Warnings
) -> Server | None:
    """The document's first server, resolved against ``source_url`` when relative."""
    server = _swagger_server(document) if "swagger" in document else _first(document)
    if server is None:
        return None
    if source_url and not server.absolute:
        server = Server(urljoin(source_url, server.url), server.variables)
    _check_variables(server, warnings)
    return server


def operation_server(raw: Any, source_url: str | None) -> str | None:
    """An operation's or path's own server, with its variables at their defaults."""
    server = _first({"servers": raw}) if isinstance(raw, list) else None
    if server is None:
        return None
    url = fill(server.url, server.defaults())
    if source_url and not urlsplit(url).netloc:
        url = urljoin(source_url, url)
    return url.rstrip("/") if urlsplit(url).netloc else None


def _first(document: dict[str, Any]) -> Server | None:
    servers = document.get("servers")
    first = servers[0] if isinstance(servers, list) and servers else None
    if not isinstance(first, dict) or not isinstance(first.get("url"), str):
        return None
    raw = first.get("variables")
    variables: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return Server(
        first["url"].rstrip("/"),
        {name: spec for name, spec in variables.items() if isinstance(spec, dict)},
    )


def _swagger_server(document: dict[str, Any]) -> Server | None:
    host, base_path = document.get("host"), document.get("basePath")
    base_path = base_path if isinstance(base_path, str) else ""
    schemes = document.get("schemes")
    schemes = [s for s in schemes if isinstance(s, str)] if isinstance(schemes, list) else []
    if not isinstance(host, str) or not host:
        return Server(base_path.rstrip("/")) if base_path else None
    scheme = "https" if not schemes or "https" in schemes else schemes[0]
    return Server(f"{scheme}://{host}{base_path}".rstrip("/"))


def _check_variables(server: Server, warnings: Warnings) -> None:
    for name in _VARIABLE.findall(server.url):
        if name not in server.variables:
            warnings.add(f"server URL {server.url!r}: variable {name!r} is not defined")
    for name, spec in server.variables.items():
        if "default" not in spec:
            warnings.add(f"server URL {server.url!r}: variable {name!r} has no default")
