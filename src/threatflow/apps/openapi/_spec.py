"""The stored form of an imported OpenAPI app.

``import_openapi`` turns a document into an :class:`AppSpec` and hands it out as a plain dict
(``model_dump(mode="json")``) that the database keeps as-is; ``build_app`` reads it back
through the same models, so both sides agree on one shape. ``FORMAT_VERSION`` changes when a
stored spec can no longer be read by the current code.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from threatflow.apps.sdk import Category

FORMAT: Final = "threatflow.openapi-app"
FORMAT_VERSION: Final = 1

Location = Literal["path", "query", "header", "cookie"]
SchemeKind = Literal["api_key", "basic", "bearer", "oauth2_client_credentials"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ParamSpec(_Model):
    """One path, query, header or cookie parameter of an operation."""

    name: str = Field(description="key in the action's parameters")
    wire_name: str = Field(description="name in the request (may differ on a clash)")
    location: Location
    style: str
    explode: bool
    media_type: str | None = Field(
        default=None, description="set when the document serialises the value as a media type"
    )


class BodySpec(_Model):
    """The request body, passed as one parameter."""

    name: str = "body"
    media_type: str
    required: bool = False


class SchemeSpec(_Model):
    """A supported security scheme; ``fields`` maps its roles to credential field names.

    Roles: ``value`` (api_key), ``username``/``password`` (basic), ``token`` (bearer),
    ``client_id``/``client_secret``/``token_url``/``scopes`` (OAuth2 client credentials).
    """

    kind: SchemeKind
    fields: dict[str, str]
    location: Location | None = None
    wire_name: str | None = None
    token_url: str | None = None


class ServerVariable(_Model):
    """A variable of the server URL, filled from a credential field or its default."""

    name: str
    field: str
    default: str
    enum: list[str] = Field(default_factory=list)
    description: str = ""


class CredentialFieldSpec(_Model):
    """Mirror of :class:`threatflow.apps.sdk.CredentialField`."""

    name: str
    title: str = ""
    secret: bool = False
    required: bool = False
    default: str | None = None
    description: str = ""


class ActionSpec(_Model):
    """One operation of the document, ready to be called."""

    name: str
    operation_id: str | None = None
    method: str
    path: str
    title: str
    summary: str = ""
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    deprecated: bool = False
    server_url: str | None = None
    parameters: list[ParamSpec] = Field(default_factory=list)
    body: BodySpec | None = None
    accept: str | None = None
    security: list[dict[str, list[str]]] = Field(default_factory=list)
    params_schema: dict[str, Any]


class AppSpec(_Model):
    """An app imported from an OpenAPI or Swagger document."""

    format: Literal["threatflow.openapi-app"] = FORMAT
    format_version: int = FORMAT_VERSION
    name: str
    title: str
    description: str = ""
    version: str = "1.0.0"
    category: Category = Category.TOOLS
    docs_url: str = ""
    source_url: str | None = None
    openapi_version: str
    base_url: str
    server_variables: list[ServerVariable] = Field(default_factory=list)
    credential_fields: list[CredentialFieldSpec] = Field(default_factory=list)
    security_schemes: dict[str, SchemeSpec] = Field(default_factory=dict)
    actions: list[ActionSpec] = Field(default_factory=list)
