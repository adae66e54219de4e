"""Imported apps at run time: one generic HTTP action per operation.

:class:`OpenApiAction` is an SDK :class:`~threatflow.apps.sdk.Action` whose parameters are
described by the JSON Schema of the import rather than by a function signature: it checks
them with ``jsonschema`` (every problem at once, with its path; known formats such as ``uuid``
or ``date-time`` asserted) before anything is sent, then builds the request, adds credentials
and sends it through ``ctx.http``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as ModelError

from threatflow.apps.openapi._auth import Authenticator, TokenCache
from threatflow.apps.openapi._files import FileFields, accepting_files, file_fields, read_files
from threatflow.apps.openapi._servers import fill
from threatflow.apps.openapi._spec import FORMAT, FORMAT_VERSION, ActionSpec, AppSpec
from threatflow.apps.openapi._wire import build_request, response_result
from threatflow.apps.sdk import Action, ActionContext, App, CredentialField
from threatflow.errors import ActionError, HttpError, InvalidInput, ParamsInvalid, Problem

_SHARED_TOKENS = TokenCache()
_INTEGER = re.compile(r"[+-]?\d+")
_MESSAGE_LENGTH = 300


class _AnyParams(BaseModel):
    """Stands in for the SDK's parameter model; the JSON Schema is what validates."""

    model_config = ConfigDict(extra="allow")


@dataclass(eq=False)
class OpenApiAction(Action):
    """An action generated from one OpenAPI operation."""

    schema: dict[str, Any] = field(default_factory=dict)
    method: str = ""
    path: str = ""
    deprecated: bool = False
    coercions: dict[str, str] = field(default_factory=dict)
    files: FileFields | None = None
    _checker: Draft202012Validator | None = field(default=None, init=False, repr=False)

    def params_schema(self) -> dict[str, Any]:
        return self.schema

    def validate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Check ``params`` against the schema; raise :class:`ParamsInvalid` with every problem.

        Scalar path, query, header and cookie parameters given as text ("5", "true") are
        read as the number or boolean their schema asks for, as a form would send them. Files
        in the body come back as :class:`~threatflow.apps.openapi._files.FileValue`.
        """
        values = {name: self._coerce(name, value) for name, value in params.items()}
        if self._checker is None:
            # formats are asserted, as vendors do: MISP tells IDs from UUIDs by format alone
            checker = Draft202012Validator.FORMAT_CHECKER
            self._checker = Draft202012Validator(self.schema, format_checker=checker)
        problems: dict[tuple[str, str], Problem] = {}
        for error in self._checker.iter_errors(values):
            for problem in _problems(error):
                problems.setdefault((problem.path, problem.message), problem)
        if self.files is not None:
            values, bad_files = read_files(values, self.files)
            problems.update(((p.path, p.message), p) for p in bad_files)
        if problems:
            raise ParamsInvalid(sorted(problems.values(), key=lambda p: p.path))
        return values

    async def invoke(self, ctx: ActionContext, params: Mapping[str, Any]) -> Any:
        """Validate, then send the request; returns ``{"status", "headers", "body"}``."""
        return await self.func(ctx, self.validate(params))

    def describe(self) -> dict[str, Any]:
        described = Action.describe(self)
        described["http"] = {"method": self.method, "path": self.path}
        described["deprecated"] = self.deprecated
        return described

    def _coerce(self, name: str, value: Any) -> Any:
        kind = self.coercions.get(name)
        if kind is None or not isinstance(value, str):
            return value
        text = value.strip()
        if kind == "boolean" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if kind == "integer" and _INTEGER.fullmatch(text):
            return int(text)
        if kind == "number":
            try:
                number = float(text)
            except ValueError:
                return value
            if not math.isfinite(number):
                return value
            return int(number) if number.is_integer() and "." not in text else number
        return value


def _problems(error: ValidationError) -> list[Problem]:
    """Problems with paths such as ``params.body.embeds[0].title``."""
    if error.context:  # anyOf/oneOf: the closest alternative says more than "none matched"
        return _problems(_closest(error))
    path = error.absolute_path
    base = "params" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    instance, schema, wanted = error.instance, error.schema, error.validator_value
    if error.validator == "required" and isinstance(instance, dict) and isinstance(wanted, list):
        missing = [name for name in wanted if name not in instance]
        return [Problem(f"{base}.{name}", "is required", "required") for name in missing]
    schema = schema if isinstance(schema, Mapping) else {}
    known = schema.get("properties")
    if (
        error.validator == "additionalProperties"
        and isinstance(instance, dict)
        and isinstance(known, dict)
        and "patternProperties" not in schema
    ):
        extra = [name for name in instance if name not in known]
        return [Problem(f"{base}.{name}", "is not expected here", "unexpected") for name in extra]
    message = error.message
    if len(message) > _MESSAGE_LENGTH:
        message = message[: _MESSAGE_LENGTH - 3] + "..."
    return [Problem(base, message, str(error.validator))]


def _closest(error: ValidationError) -> ValidationError:
    """The deepest failure among alternatives of the instance's own type."""
    depth = len(error.absolute_path)
    same_type = [
        sub
        for sub in error.context
        if not (sub.validator == "type" and len(sub.absolute_path) == depth)
    ]
    return max(same_type or error.context, key=lambda sub: len(sub.absolute_path))


class _Call:
    """Send one operation's request; the function behind an :class:`OpenApiAction`."""

    def __init__(self, app: AppSpec, action: ActionSpec, auth: Authenticator) -> None:
        self._app = app
        self._action = action
        self._auth = auth

    async def __call__(self, ctx: ActionContext, params: dict[str, Any]) -> dict[str, Any]:
        base = base_url(self._app, self._action, ctx.credentials)
        try:
            return await self._send(ctx, base, params)
        except _StaleToken:
            # the API refused a cached token before its expiry (revoked); one fresh try
            return await self._send(ctx, base, params, retrying=True)

    async def _send(
        self, ctx: ActionContext, base: str, params: dict[str, Any], retrying: bool = False
    ) -> dict[str, Any]:
        request = build_request(self._action, params)
        used_token = await self._auth.apply(request, self._action.security, ctx)
        method, url = self._action.method, base + request.path
        try:
            response = await ctx.http.request(method, url, **request.httpx_kwargs())
        except HttpError as exc:
            if exc.status != 401 or used_token is None or retrying:
                raise
            self._auth.invalidate(used_token)
            raise _StaleToken from None
        return response_result(response)


class _StaleToken(Exception):
    pass


def base_url(app: AppSpec, action: ActionSpec, credentials: Mapping[str, Any]) -> str:
    """The credential's ``base_url``, else the operation's server, else the document's."""
    override = credentials.get("base_url")
    if override not in (None, ""):
        return str(override).rstrip("/")
    if action.server_url:
        return action.server_url
    values = {v.name: str(credentials.get(v.field) or v.default) for v in app.server_variables}
    url = fill(app.base_url, values)
    if not urlsplit(url).netloc:
        raise ActionError(
            "credential field 'base_url' is not set and the document gives no absolute server URL",
            error_type="credential",
        )
    return url.rstrip("/")


def read_app_spec(app_spec: Mapping[str, Any]) -> AppSpec:
    """Parse a stored spec; raise :class:`InvalidInput` when it is not one this code can run."""
    if app_spec.get("format") != FORMAT:
        raise InvalidInput(f"not an OpenAPI app spec (format is not {FORMAT!r})", field="format")
    version = app_spec.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InvalidInput(f"unsupported spec version {version!r}", field="format_version")
    try:
        return AppSpec.model_validate(app_spec)
    except ModelError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInput(f"malformed OpenAPI app spec: {first['msg']}", field=where) from None


def build_app(app_spec: Mapping[str, Any], *, token_cache: TokenCache | None = None) -> App:
    """An :class:`App` (``source="openapi"``) with one action per imported operation.

    ``token_cache`` keeps OAuth2 tokens; by default one cache is shared by every app built in
    this process, so tokens survive rebuilding an app.
    """
    spec = read_app_spec(app_spec)
    auth = Authenticator(spec.security_schemes, token_cache or _SHARED_TOKENS)
    app = App(
        spec.name,
        title=spec.title,
        category=spec.category,
        description=spec.description,
        docs_url=spec.docs_url,
        credential_fields=[CredentialField(**f.model_dump()) for f in spec.credential_fields],
        version=spec.version,
        source="openapi",
    )
    for action in spec.actions:
        app.add(_action(spec, action, auth))
    return app


def _action(app: AppSpec, action: ActionSpec, auth: Authenticator) -> OpenApiAction:
    files = file_fields(action)
    schema = action.params_schema if files is None else accepting_files(action.params_schema, files)
    return OpenApiAction(
        app=app.name,
        name=action.name,
        title=action.title,
        description=action.description,
        func=_Call(app, action, auth),
        params_model=_AnyParams,
        wants_ctx=True,
        schema=schema,
        method=action.method,
        path=action.path,
        deprecated=action.deprecated,
        coercions=_coercions(action),
        files=files,
    )


def _coercions(action: ActionSpec) -> dict[str, str]:
    """Scalar parameters (not the body) whose schema wants a number or a boolean."""
    properties = action.params_schema.get("properties", {})
    found = {}
    for param in action.parameters:
        schema = properties.get(param.name)
        kind = schema.get("type") if isinstance(schema, dict) else None
        kinds = {kind} if isinstance(kind, str) else set(kind or [])
        if "string" in kinds:
            continue
        for wanted in ("integer", "number", "boolean"):
            if wanted in kinds:
                found[param.name] = wanted
                break
    return found
