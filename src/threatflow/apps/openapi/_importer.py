"""OpenAPI 3.0/3.1 or Swagger 2.0 document → app spec, with warnings for what was left out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from threatflow.apps.openapi._check import check_document
from threatflow.apps.openapi._load import load_document
from threatflow.apps.openapi._names import assign, snake, unique
from threatflow.apps.openapi._operations import (
    METHODS,
    OperationDraft,
    OperationReader,
    SkipOperation,
)
from threatflow.apps.openapi._schema import Refs, SchemaConverter, UnresolvedRef, Warnings
from threatflow.apps.openapi._security import read_schemes, scheme_fields
from threatflow.apps.openapi._servers import Server, read_server
from threatflow.apps.openapi._spec import (
    ActionSpec,
    AppSpec,
    CredentialFieldSpec,
    SchemeSpec,
    ServerVariable,
)
from threatflow.apps.sdk import Category
from threatflow.errors import InvalidInput

_MAX_APP_NAME = 60
_CATEGORY_WORDS: dict[Category, tuple[str, ...]] = {
    Category.INTELLIGENCE: (
        "misp",
        "virustotal",
        "abuseipdb",
        "shodan",
        "opencti",
        "otx",
        "threat intel",
        "intelligence",
    ),
    Category.SIEM: ("wazuh", "siem", "splunk", "elasticsearch", "opensearch", "graylog", "qradar"),
    Category.CASE_MANAGEMENT: ("thehive", "jira", "servicenow", "ticket", "tickets", "case"),
    Category.COMMUNICATION: (
        "discord",
        "slack",
        "teams",
        "telegram",
        "mattermost",
        "mail",
        "email",
        "sms",
        "chat",
    ),
    Category.NETWORK: ("firewall", "opnsense", "pfsense", "fortigate", "fortios", "pan-os"),
    Category.ERADICATION: ("crowdstrike", "falcon", "defender", "velociraptor", "edr"),
    Category.IAM: ("keycloak", "iam", "okta", "entra", "identity", "ldap"),
    Category.ASSETS: ("nvd", "cve", "openvas", "greenbone", "nessus", "tenable", "inventory"),
}


@dataclass(frozen=True)
class ImportResult:
    """An imported app: ``app_spec`` is plain JSON data to store; ``warnings`` what was left."""

    app_spec: dict[str, Any]
    warnings: list[str]


def import_openapi(
    document: str | bytes | dict[str, Any],
    *,
    name: str | None = None,
    source_url: str | None = None,
    validate_document: bool = True,
) -> ImportResult:
    """Import an OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML) as an app spec.

    Args:
        document: the document as text, bytes or an already parsed mapping.
        name: the app's name (cleaned to snake_case); by default derived from the title.
        source_url: where the document came from; relative server URLs resolve against it.
        validate_document: also check the document with ``openapi-spec-validator`` and add
            its findings to the warnings (thorough but slow: about 10 s for Discord's 1 MB).

    Returns:
        The app spec (see :func:`build_app`) and warnings about what could not be imported.

    Raises:
        InvalidInput: the document is not JSON/YAML, or not OpenAPI or Swagger at all.
    """
    data = load_document(document)
    dialect = detect_dialect(data)
    warnings = Warnings()
    for problem in check_document(data, dialect) if validate_document else []:
        warnings.add(problem)
    spec = _Importer(data, dialect, warnings, source_url).app_spec(name)
    return ImportResult(spec.model_dump(mode="json"), warnings.as_list())


def detect_dialect(data: dict[str, Any]) -> str:
    """``"2.0"``, ``"3.0"`` or ``"3.1"``; raise :class:`InvalidInput` for anything else."""
    if "swagger" in data:
        if str(data["swagger"]).startswith("2"):
            return "2.0"
        raise InvalidInput(f"Swagger version {data['swagger']!r} is not supported (only 2.0)")
    version = str(data.get("openapi", ""))
    if version.startswith("3.0"):
        return "3.0"
    if re.match(r"3\.\d", version):
        return "3.1"
    if version:
        raise InvalidInput(f"OpenAPI version {version!r} is not supported (3.0, 3.1 or 2.0)")
    keys = ", ".join(sorted(data)[:5]) or "none"
    raise InvalidInput(
        f"not an OpenAPI document: no 'openapi' or 'swagger' version field (top-level keys: {keys})"
    )


class _Importer:
    def __init__(
        self, data: dict[str, Any], dialect: str, warnings: Warnings, source_url: str | None
    ) -> None:
        self._data = data
        self._dialect = dialect
        self._warnings = warnings
        self._source_url = source_url
        self._refs = Refs(data)
        info = data.get("info")
        self._info: dict[str, Any] = info if isinstance(info, dict) else {}

    def app_spec(self, name: str | None) -> AppSpec:
        title = str(self._info.get("title") or name or "OpenAPI app").strip()
        if self._dialect == "3.1" and not str(self._data.get("openapi")).startswith("3.1"):
            self._warnings.add(f"OpenAPI {self._data.get('openapi')} read as 3.1")
        server = read_server(self._data, self._source_url, self._warnings)
        variables, fields = self._server_fields(server)
        schemes, scheme_credentials = scheme_fields(
            read_schemes(self._data, self._refs, self._warnings, self._source_url),
            [field.name for field in fields],
        )
        actions = self._actions(schemes)
        return AppSpec(
            name=app_name(name, title),
            title=title,
            description=str(self._info.get("description") or "").strip(),
            version=str(self._info.get("version") or "1.0.0"),
            category=guess_category(title),
            docs_url=self._docs_url(),
            source_url=self._source_url,
            openapi_version=str(self._data.get("openapi") or self._data.get("swagger")),
            base_url=server.url if server else "",
            server_variables=variables,
            credential_fields=[*fields, *scheme_credentials],
            security_schemes=schemes,
            actions=actions,
        )

    def _server_fields(
        self, server: Server | None
    ) -> tuple[list[ServerVariable], list[CredentialFieldSpec]]:
        absolute = server is not None and server.absolute
        if not absolute:
            self._warnings.add("the document gives no absolute server URL; set 'base_url'")
        base = CredentialFieldSpec(
            name="base_url",
            title="Base URL",
            required=not absolute,
            description=f"Overrides the document's server URL {server.url if server else ''}",
        )
        variables = server.variables if server else {}
        names = unique([snake(name) or "server" for name in variables], ["base_url"])
        specs = [
            ServerVariable(
                name=variable,
                field=field_name,
                default=str(raw.get("default", "")),
                enum=[str(value) for value in raw.get("enum") or [] if value is not None],
                description=str(raw.get("description") or ""),
            )
            for (variable, raw), field_name in zip(variables.items(), names, strict=True)
        ]
        return specs, [base, *(_variable_field(spec) for spec in specs)]

    def _actions(self, schemes: dict[str, SchemeSpec]) -> list[ActionSpec]:
        converter = SchemaConverter(self._refs, self._dialect, self._warnings)
        reader = OperationReader(
            self._data, self._refs, converter, schemes, self._warnings, self._source_url
        )
        drafts = self._drafts(reader)
        if reader.without_credentials:
            self._warnings.add(
                f"{reader.without_credentials} operation(s) need a security scheme that is not "
                "supported; they are sent without credentials"
            )
        names = assign([draft.candidate for draft in drafts])
        return [
            ActionSpec(name=name, title=_title(draft, name), **draft.fields)
            for draft, name in zip(drafts, names, strict=True)
        ]

    def _drafts(self, reader: OperationReader) -> list[OperationDraft]:
        paths = self._data.get("paths")
        if not isinstance(paths, dict) or not paths:
            self._warnings.add("the document has no paths; no actions imported")
            return []
        drafts = []
        for path, raw in paths.items():
            item = self._path_item(path, raw)
            for method in [m for m in METHODS if m in item] if item is not None else []:
                draft = self._draft(reader, path, method, item or {})
                if draft is not None:
                    drafts.append(draft)
        return drafts

    def _draft(
        self, reader: OperationReader, path: str, method: str, item: dict[str, Any]
    ) -> OperationDraft | None:
        op = item[method]
        try:
            if not isinstance(op, dict):
                raise SkipOperation("the operation is not an object")
            return reader.read(path, method, item, op)
        except SkipOperation as exc:
            self._warnings.add(f"{method.upper()} {path}: skipped: {exc}")
            return None

    def _path_item(self, path: str, raw: Any) -> dict[str, Any] | None:
        try:
            item = self._refs.follow(raw)
        except UnresolvedRef as exc:
            self._warnings.add(f"path {path}: cannot resolve $ref {exc.ref!r}; skipped")
            return None
        if not isinstance(item, dict):
            self._warnings.add(f"path {path}: not an object; skipped")
            return None
        return item

    def _docs_url(self) -> str:
        docs = self._data.get("externalDocs")
        url = docs.get("url") if isinstance(docs, dict) else None
        return url if isinstance(url, str) else ""


def _variable_field(variable: ServerVariable) -> CredentialFieldSpec:
    parts = [f"Server URL variable {{{variable.name}}}.", variable.description]
    if variable.enum:
        parts.append(f"One of: {', '.join(variable.enum)}.")
    return CredentialFieldSpec(
        name=variable.field,
        title=variable.name.replace("_", " ").capitalize(),
        default=variable.default,
        description=" ".join(part.strip() for part in parts if part.strip()),
    )


def app_name(name: str | None, title: str) -> str:
    """A snake_case app name from ``name`` or, failing that, the title."""
    cleaned = snake(name or "") or snake(title) or "openapi_app"
    cleaned = cleaned[:_MAX_APP_NAME].rstrip("_")
    return f"app_{cleaned}" if cleaned[0].isdigit() else cleaned


def guess_category(title: str) -> Category:
    """The catalog category a title obviously belongs to, else ``Tools``."""
    words = " ".join(re.findall(r"[a-z0-9-]+", title.lower()))
    for category, keywords in _CATEGORY_WORDS.items():
        if any(re.search(rf"\b{re.escape(keyword)}\b", words) for keyword in keywords):
            return category
    return Category.TOOLS


def _title(draft: OperationDraft, name: str) -> str:
    summary = str(draft.fields.get("summary") or "").strip().splitlines()
    first = summary[0].strip().rstrip(".") if summary else ""
    if first and len(first) <= 120:
        return first
    return name.replace("_", " ").capitalize()
