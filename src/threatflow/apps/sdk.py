"""What an app author imports.

An app is a set of actions for one tool. Each action is a typed function registered with
:meth:`App.action`; its keyword parameters (plain annotations or Pydantic models) become the
JSON Schema that generates forms in the designer and validates parameters before a call::

    app = App("greeter", title="Greeter", category=Category.TOOLS,
              credential_fields=[CredentialField("url"), CredentialField("token", secret=True)])

    @app.action(title="Say hello")
    async def hello(ctx: ActionContext, name: str, times: int = 1) -> dict[str, Any]:
        response = await ctx.http.post(f"{ctx.credentials['url']}/hello", json={"name": name})
        return response.json()

Actions may be ``async`` or plain functions (those run in a worker thread). They return JSON
values and raise :class:`~threatflow.errors.ActionError` (or a subclass) on failure.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, get_type_hints
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from threatflow.errors import ActionError, HttpError, ParamsInvalid, Problem

__all__ = [
    "Action",
    "ActionContext",
    "ActionError",
    "App",
    "Category",
    "CredentialField",
    "HttpClient",
    "HttpError",
    "make_context",
]

log = logging.getLogger("threatflow.apps")


class Category(StrEnum):
    """The use-case categories of the app catalog."""

    COMMUNICATION = "Communication"
    CASE_MANAGEMENT = "Case Management"
    SIEM = "SIEM"
    ASSETS = "Assets"
    IAM = "IAM"
    INTELLIGENCE = "Intelligence"
    NETWORK = "Network"
    ERADICATION = "Eradication"
    TOOLS = "Tools"


@dataclass(frozen=True, slots=True)
class CredentialField:
    """One setting of an app's credential; ``secret`` fields are masked and never logged."""

    name: str
    title: str = ""
    secret: bool = False
    required: bool = True
    default: str | None = None
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title or self.name.replace("_", " ").capitalize(),
            "secret": self.secret,
            "required": self.required,
            "default": self.default,
            "description": self.description,
        }


_SECRET_QUERY_KEYS = {
    "key", "apikey", "api_key", "token", "access_token", "password", "secret", "sig",
    "signature", "code",
}
# Vendors that put the secret in the path: Discord and Slack webhooks, Mattermost hooks,
# Telegram bot tokens, legacy Teams connectors. Each pattern keeps its prefix.
_SECRET_PATHS = (
    re.compile(r"(/webhooks/[^/]+/)[^/]+"),
    re.compile(r"(/services/)[^?]+"),
    re.compile(r"(/hooks/)[^/?]+"),
    re.compile(r"(/bot)[0-9]+:[^/]+"),
    re.compile(r"(/webhookb2/).+"),
)


@functools.lru_cache(maxsize=4096)  # actions call the same few URLs over and over
def redact_url(url: str) -> str:
    """Hide credentials in a URL: user info, secret-looking query values, path tokens."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"  # it may hold a secret: show none of it
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    query = "&".join(
        f"{k}=***" if k.lower() in _SECRET_QUERY_KEYS else f"{k}={v}" if sep else k
        for k, sep, v in (pair.partition("=") for pair in parts.query.split("&") if pair)
    )
    path = parts.path
    for pattern in _SECRET_PATHS:
        path = pattern.sub(r"\1***", path)
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _text_of(value: Any) -> str | None:
    """A readable message from a vendor's error field: a string, or an object with a
    message (prefixed by its code), or a list of those."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        message = _first_text(value, ("message", "detail", "description", "reason"))
        code = value.get("code")
        if message and isinstance(code, str) and code not in message:
            return f"{code}: {message}"
        return message or (code if isinstance(code, str) else None)
    if isinstance(value, list) and value:
        return "; ".join(filter(None, (_text_of(v) for v in value[:3]))) or None
    return None


def _first_text(body: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((body[k] for k in keys if isinstance(body.get(k), str) and body[k]), None)


def _vendor_message(response: httpx.Response) -> str:
    """The vendor's own words for an error, with its error code where it gives one."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if not isinstance(body, dict):
        return str(body)[:300]
    error = body.get("error")
    message = (_first_text(body, ("message", "detail", "title", "error_description"))
               or (None if isinstance(error, str) else _text_of(error))
               or _text_of(body.get("errors")))
    code = error if isinstance(error, str) else None
    if message and code and code not in message:
        return f"{code}: {message}"[:300]
    return (message or code or str(body))[:300]


class HttpClient:
    """Outbound HTTP for actions: one INFO line per call, vendor errors as :class:`HttpError`.

    Transport failures become a retryable ``connection`` error. Status 429 and 5xx are
    retryable, other 4xx are not. Pass ``raise_for_status=False`` to handle them yourself.
    """

    def __init__(self, client: httpx.AsyncClient, logger: logging.LoggerAdapter[Any]) -> None:
        self._client = client
        self._log = logger

    async def request(
        self, method: str, url: str, *, raise_for_status: bool = True, **kwargs: Any
    ) -> httpx.Response:
        started = time.perf_counter()
        safe_url = redact_url(url) if isinstance(url, str) else redact_url(str(url))
        try:
            target = parse_url(url) if isinstance(url, str) else url
            params = kwargs.get("params")
            if isinstance(params, dict) and isinstance(url, str) and "?" not in url and all(
                    type(v) is str for v in params.values()):
                target = with_params(url, tuple(params.items()))
                del kwargs["params"]
        except (httpx.InvalidURL, ValueError) as exc:
            raise ActionError(f"{method} {safe_url}: invalid URL: {exc}",
                              error_type="invalid_url", retryable=False) from None
        if kwargs.get("json") is not None and "content" not in kwargs:
            _encode_json(kwargs)
        try:
            response = await self._client.request(method, target, **kwargs)
        except httpx.TimeoutException as exc:
            raise ActionError(
                f"{method} {safe_url} timed out: {type(exc).__name__}",
                error_type="timeout",
                retryable=True,
            ) from None
        except httpx.TransportError as exc:
            raise ActionError(
                f"{method} {safe_url} failed: {type(exc).__name__}: {exc}",
                error_type="connection",
                retryable=True,
            ) from None
        if self._log.isEnabledFor(logging.INFO):
            self._log.info("http %s %s -> %s in %.1f ms", method, safe_url,
                           response.status_code, (time.perf_counter() - started) * 1000)
        if raise_for_status and response.status_code >= 400:
            raise HttpError(
                response.status_code, _vendor_message(response), method=method, url=safe_url
            )
        return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)


@functools.lru_cache(maxsize=4096)
def parse_url(text: str) -> httpx.URL:
    """httpx parses URLs in pure Python, a tenth of a millisecond each; actions call the same
    few again and again, and parsed URLs are immutable."""
    return httpx.URL(text)


@functools.lru_cache(maxsize=4096)
def with_params(text: str, params: tuple[tuple[str, str], ...]) -> httpx.URL:
    """A parsed URL with query parameters, as httpx's own ``params=`` would give it."""
    return httpx.URL(parse_url(text), params=dict(params))


def _encode_json(kwargs: dict[str, Any]) -> None:
    """Encode a ``json=`` body with orjson (httpx uses the standard library, five times
    slower); bodies orjson refuses are left to httpx."""
    try:
        content = orjson.dumps(kwargs["json"])
    except TypeError:
        return
    headers = httpx.Headers(kwargs.get("headers"))
    headers.setdefault("Content-Type", "application/json")
    kwargs.update(content=content, headers=headers)
    del kwargs["json"]


@dataclass(slots=True)
class ActionContext:
    """What an action receives besides its parameters."""

    credentials: Mapping[str, Any]
    http: HttpClient
    log: logging.LoggerAdapter[Any]
    execution_id: str = ""
    step_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def credential(self, name: str) -> Any:
        """A credential field that must be set, or a clear, non-retryable error."""
        value = self.credentials.get(name)
        if value in (None, ""):
            raise ActionError(
                f"credential field {name!r} is not set", error_type="credential", retryable=False
            )
        return value


def make_context(
    client: httpx.AsyncClient,
    credentials: Mapping[str, Any] | None = None,
    *,
    execution_id: str = "",
    step_id: str = "",
    logger_name: str = "threatflow.apps",
) -> ActionContext:
    """An action context outside an execution (connection tests, the test kit)."""
    logger = logging.LoggerAdapter(logging.getLogger(logger_name),
                                   {"execution_id": execution_id, "step_id": step_id})
    return ActionContext(credentials=dict(credentials or {}), http=HttpClient(client, logger),
                         log=logger, execution_id=execution_id, step_id=step_id)


ActionFunc = Callable[..., Any]


class _ParamsBase(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=False)


def _params_model(app: str, name: str, func: ActionFunc) -> tuple[type[BaseModel], bool]:
    """Build the parameters model from the function's keyword parameters."""
    signature = inspect.signature(func)
    hints = get_type_hints(func, include_extras=True)
    fields: dict[str, Any] = {}
    wants_ctx = False
    for param in signature.parameters.values():
        if param.name == "ctx":
            wants_ctx = True
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"action {app}.{name}: *args/**kwargs are not allowed")
        annotation = hints.get(param.name, Any)
        default = ... if param.default is param.empty else param.default
        fields[param.name] = (annotation, default)
    model_name = "".join(part.capitalize() for part in f"{app}_{name}".split("_")) + "Params"
    model = create_model(model_name, __base__=_ParamsBase, **fields)
    return model, wants_ctx


@dataclass(slots=True)
class Action:
    """One operation of an app, with its parameter model and metadata."""

    app: str
    name: str
    title: str
    description: str
    func: ActionFunc
    params_model: type[BaseModel]
    wants_ctx: bool
    docs_url: str = ""

    def params_schema(self) -> dict[str, Any]:
        return self.params_model.model_json_schema()

    def validate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Check parameters against the schema; raise :class:`ParamsInvalid` with every problem."""
        try:
            model = self.params_model.model_validate(dict(params))
        except ValidationError as exc:
            problems = [
                Problem(
                    "params." + ".".join(str(p) for p in err["loc"]),
                    err["msg"],
                    err["type"],
                )
                for err in exc.errors(include_url=False)
            ]
            raise ParamsInvalid(problems) from None
        return dict(model.__dict__)  # the fields, as validated

    async def invoke(self, ctx: ActionContext, params: Mapping[str, Any]) -> Any:
        """Validate parameters and run the action; blocking functions run in a thread."""
        kwargs = self.validate(params)
        if self.wants_ctx:
            kwargs["ctx"] = ctx
        if inspect.iscoroutinefunction(self.func):
            return await self.func(**kwargs)
        return await asyncio.to_thread(self.func, **kwargs)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "docs_url": self.docs_url,
            "params_schema": self.params_schema(),
        }


class App:
    """A set of actions for one tool, with the credential fields they need."""

    def __init__(
        self,
        name: str,
        *,
        title: str,
        category: Category,
        description: str = "",
        docs_url: str = "",
        credential_fields: list[CredentialField] | None = None,
        version: str = "1.0.0",
        source: str = "builtin",
    ) -> None:
        self.name = name
        self.title = title
        self.category = category
        self.description = description
        self.docs_url = docs_url
        self.credential_fields = list(credential_fields or [])
        self.version = version
        self.source = source
        self.actions: dict[str, Action] = {}

    def action(
        self, name: str | None = None, *, title: str = "", description: str = "", docs_url: str = ""
    ) -> Callable[[ActionFunc], ActionFunc]:
        """Register a function as an action of this app (decorator)."""

        def register(func: ActionFunc) -> ActionFunc:
            action_name = name or func.__name__
            model, wants_ctx = _params_model(self.name, action_name, func)
            doc = inspect.getdoc(func) or ""
            self.add(
                Action(
                    app=self.name,
                    name=action_name,
                    title=title or action_name.replace("_", " ").capitalize(),
                    description=description or doc,
                    func=func,
                    params_model=model,
                    wants_ctx=wants_ctx,
                    docs_url=docs_url,
                )
            )
            return func

        return register

    def add(self, action: Action) -> None:
        if action.name in self.actions:
            raise ValueError(f"app {self.name!r} already has an action {action.name!r}")
        self.actions[action.name] = action

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "category": str(self.category),
            "description": self.description,
            "docs_url": self.docs_url,
            "version": self.version,
            "source": self.source,
            "credential_fields": [f.as_dict() for f in self.credential_fields],
            "actions": [a.describe() for a in self.actions.values()],
        }


Invoker = Callable[[ActionContext, Mapping[str, Any]], Awaitable[Any]]
