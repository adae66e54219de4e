"""Security schemes and servers of a document, turned into credential fields.

Supported: API keys in a header, query parameter or cookie; HTTP basic and bearer; OAuth2
client credentials (Swagger 2.0 calls that flow ``application``). Other schemes are reported
and the requirements that need them are dropped, so those operations are sent without them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from threatflow.apps.openapi._names import snake, unique
from threatflow.apps.openapi._schema import Refs, UnresolvedRef, Warnings
from threatflow.apps.openapi._spec import CredentialFieldSpec, Location, SchemeKind, SchemeSpec

_ROLES: dict[SchemeKind, tuple[str, ...]] = {
    "api_key": ("value",),
    "basic": ("username", "password"),
    "bearer": ("token",),
    "oauth2_client_credentials": ("client_id", "client_secret", "token_url", "scopes"),
}
_SECRET_ROLES = frozenset({"value", "password", "token", "client_secret"})
_LOCATIONS: dict[str, Location] = {"header": "header", "query": "query", "cookie": "cookie"}


@dataclass(frozen=True, slots=True)
class _Scheme:
    name: str
    kind: SchemeKind
    description: str
    location: Location | None = None
    wire_name: str | None = None
    token_url: str | None = None


def read_schemes(
    document: dict[str, Any], refs: Refs, warnings: Warnings, source_url: str | None
) -> list[_Scheme]:
    """The supported security schemes of a document, warning about the others."""
    swagger = "swagger" in document
    components = document.get("components")
    container = (
        document.get("securityDefinitions")
        if swagger
        else components.get("securitySchemes")
        if isinstance(components, dict)
        else None
    )
    schemes = []
    for name, raw in (container or {}).items() if isinstance(container, dict) else ():
        where = f"security scheme {name!r}"
        try:
            scheme = refs.follow(raw)
        except UnresolvedRef as exc:
            warnings.add(f"{where}: cannot resolve $ref {exc.ref!r}; scheme ignored")
            continue
        parsed = _scheme(name, scheme, swagger, source_url) if isinstance(scheme, dict) else None
        if isinstance(parsed, str) or parsed is None:
            warnings.add(f"{where}: {parsed or 'not an object'}; scheme ignored")
            continue
        schemes.append(parsed)
    return schemes


def _scheme(name: str, raw: dict[str, Any], swagger: bool, base: str | None) -> _Scheme | str:
    """A parsed scheme, or the reason it is not supported."""
    kind = str(raw.get("type", "")).strip()
    description = _first_paragraph(raw.get("description"))
    if kind == "apiKey":
        where, wire = raw.get("in"), raw.get("name")
        location = _LOCATIONS.get(where) if isinstance(where, str) else None
        if location is None or not wire:
            return f"API key needs 'in' (header, query or cookie) and 'name', got {where!r}"
        return _Scheme(name, "api_key", description, location, str(wire))
    if kind == "basic" or (kind == "http" and str(raw.get("scheme", "")).lower() == "basic"):
        return _Scheme(name, "basic", description)
    if kind == "http" and str(raw.get("scheme", "")).lower() == "bearer":
        return _Scheme(name, "bearer", description)
    if kind == "http":
        return f"HTTP authentication scheme {raw.get('scheme')!r} is not supported"
    if kind == "oauth2":
        return _oauth2(name, raw, swagger, description, base)
    return f"security scheme type {kind!r} is not supported"


def _oauth2(
    name: str, raw: dict[str, Any], swagger: bool, description: str, base: str | None
) -> _Scheme | str:
    if swagger:
        flow, token_url = raw.get("flow"), raw.get("tokenUrl")
        supported = flow == "application"
    else:
        flows = raw.get("flows")
        client = flows.get("clientCredentials") if isinstance(flows, dict) else None
        supported = isinstance(client, dict)
        token_url = client.get("tokenUrl") if isinstance(client, dict) else None
    if not supported:
        return "only the OAuth2 client credentials flow is supported"
    if not isinstance(token_url, str) or not token_url:
        return "the OAuth2 client credentials flow has no tokenUrl"
    if base and not urlsplit(token_url).scheme:
        token_url = urljoin(base, token_url)
    return _Scheme(name, "oauth2_client_credentials", description, token_url=token_url)


def _first_paragraph(text: Any, limit: int = 300) -> str:
    paragraph = str(text or "").strip().split("\n\n", 1)[0].strip()
    return paragraph if len(paragraph) <= limit else paragraph[: limit - 3] + "..."


def scheme_fields(
    schemes: list[_Scheme], taken: list[str]
) -> tuple[dict[str, SchemeSpec], list[CredentialFieldSpec]]:
    """Stored schemes and their credential fields; names avoid ``taken`` and each other."""
    kinds = Counter(scheme.kind for scheme in schemes)
    specs: dict[str, SchemeSpec] = {}
    fields: list[CredentialFieldSpec] = []
    used = list(taken)
    for scheme in schemes:
        wanted = [_field_name(scheme, role, kinds[scheme.kind] > 1) for role in _ROLES[scheme.kind]]
        names = unique(wanted, used)
        used.extend(names)
        roles = dict(zip(_ROLES[scheme.kind], names, strict=True))
        specs[scheme.name] = SchemeSpec(
            kind=scheme.kind,
            fields=roles,
            location=scheme.location,
            wire_name=scheme.wire_name,
            token_url=scheme.token_url,
        )
        fields.extend(_field(scheme, role, name) for role, name in roles.items())
    return specs, fields


def _field_name(scheme: _Scheme, role: str, shared_kind: bool) -> str:
    generic = "api_key" if role == "value" else role
    if not shared_kind:
        return generic
    prefix = snake(scheme.name) or "scheme"
    return prefix if role == "value" else f"{prefix}_{generic}"


def _field(scheme: _Scheme, role: str, name: str) -> CredentialFieldSpec:
    return CredentialFieldSpec(
        name=name,
        title=_TITLES[role],
        secret=role in _SECRET_ROLES,
        required=False,
        default=scheme.token_url if role == "token_url" else None,
        description=_field_description(scheme, role),
    )


_TITLES = {
    "value": "API key",
    "username": "Username",
    "password": "Password",
    "token": "Bearer token",
    "client_id": "OAuth2 client ID",
    "client_secret": "OAuth2 client secret",
    "token_url": "OAuth2 token URL",
    "scopes": "OAuth2 scopes",
}


_KIND_LABELS = {
    "basic": "HTTP basic",
    "bearer": "HTTP bearer",
    "oauth2_client_credentials": "OAuth2 client credentials",
}


def _field_description(scheme: _Scheme, role: str) -> str:
    if role == "value":
        how = f"API key, sent as-is in the {scheme.location} {scheme.wire_name!r}"
    else:
        how = _KIND_LABELS[scheme.kind]
    if role == "scopes":
        how += "; space-separated, the operation's own scopes when empty"
    parts = [f"Security scheme {scheme.name!r} ({how}).", scheme.description]
    return " ".join(part for part in parts if part)


def requirements(raw: Any, specs: dict[str, SchemeSpec]) -> list[dict[str, list[str]]]:
    """An operation's security alternatives, keeping only those whose schemes are supported.

    ``[]`` means no authentication; ``{}`` among the alternatives means authentication is
    optional. When every alternative is dropped the operation is sent without credentials
    (the importer reports how many operations that concerns).
    """
    if not isinstance(raw, list):
        return []
    kept = []
    for alternative in raw:
        if not isinstance(alternative, dict):
            continue
        if all(name in specs for name in alternative):
            kept.append({name: _scopes(scopes) for name, scopes in alternative.items()})
    return kept


def _scopes(value: Any) -> list[str]:
    return [str(scope) for scope in value] if isinstance(value, list) else []
