"""Credentials onto requests: API keys, HTTP basic and bearer, OAuth2 client credentials.

An operation lists alternative security requirements; the first one whose credential fields
are all set is used. OAuth2 access tokens are fetched from the token URL with the client ID
and secret (HTTP basic, as RFC 6749 recommends) and kept in a :class:`TokenCache` until
shortly before they expire, one token per token URL, client, secret and scope set.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from threatflow.apps.openapi._spec import SchemeSpec
from threatflow.apps.openapi._wire import WireRequest
from threatflow.apps.sdk import ActionContext, HttpClient, redact_url
from threatflow.errors import ActionError

DEFAULT_LIFETIME = 300.0
"""Seconds a token is kept when the token response does not say (no ``expires_in``)."""

_MARGIN = 30.0


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """What identifies an OAuth2 client-credentials token."""

    token_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A digest, so the cache never holds the secret in clear as a key."""
        parts = "\0".join((self.token_url, self.client_id, self.client_secret, *self.scopes))
        return hashlib.sha256(parts.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """OAuth2 access tokens by credential, reused until shortly before they expire.

    Concurrent calls for the same credential share one fetch. ``clock`` is injectable so
    tests can move time forward.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[str, _Token] = {}
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]]
        self._locks = weakref.WeakKeyDictionary()

    async def token(self, http: HttpClient, request: TokenRequest) -> str:
        """A valid access token for ``request``, fetched through ``http`` when needed."""
        key = request.key
        cached = self._valid(key)
        if cached is not None:
            return cached
        async with self._lock(key):
            cached = self._valid(key)  # another call may have fetched it while we waited
            if cached is not None:
                return cached
            token = await self._fetch(http, request)
            self._drop_expired()
            self._tokens[key] = token
            return token.value

    def invalidate(self, request: TokenRequest) -> None:
        """Forget the token of ``request`` (the API refused it before its expiry)."""
        self._tokens.pop(request.key, None)

    def _valid(self, key: str) -> str | None:
        token = self._tokens.get(key)
        return token.value if token is not None and token.expires_at > self._clock() else None

    def _drop_expired(self) -> None:
        now = self._clock()
        for key in [key for key, token in self._tokens.items() if token.expires_at <= now]:
            del self._tokens[key]

    def _lock(self, key: str) -> asyncio.Lock:
        locks = self._locks.setdefault(asyncio.get_running_loop(), {})
        return locks.setdefault(key, asyncio.Lock())

    async def _fetch(self, http: HttpClient, request: TokenRequest) -> _Token:
        form = {"grant_type": "client_credentials"}
        if request.scopes:
            form["scope"] = " ".join(request.scopes)
        response = await http.post(
            request.token_url,
            data=form,
            auth=httpx.BasicAuth(request.client_id, request.client_secret),
            headers={"Accept": "application/json"},
        )
        payload = _json_object(response)
        value = payload.get("access_token")
        if not isinstance(value, str) or not value:
            raise ActionError(
                f"OAuth2 token response from {redact_url(request.token_url)} has no access_token",
                error_type="credential",
            )
        return _Token(value, self._clock() + _lifetime(payload.get("expires_in")))


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _lifetime(expires_in: Any) -> float:
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return max(seconds - min(_MARGIN, seconds / 10), 0.0)


class Authenticator:
    """Add an operation's credentials to a request."""

    def __init__(self, schemes: Mapping[str, SchemeSpec], cache: TokenCache) -> None:
        self._schemes = schemes
        self._cache = cache

    async def apply(
        self, request: WireRequest, security: list[dict[str, list[str]]], ctx: ActionContext
    ) -> TokenRequest | None:
        """Authenticate ``request``; return the OAuth2 token request used, if any."""
        used = None
        for name, scopes in self._choose(security, ctx.credentials).items():
            scheme = self._schemes[name]
            if scheme.kind == "oauth2_client_credentials":
                used = self._token_request(scheme, scopes, ctx.credentials)
                token = await self._cache.token(ctx.http, used)
                request.headers["Authorization"] = f"Bearer {token}"
            else:
                _apply_static(request, scheme, ctx.credentials)
        return used

    def invalidate(self, used: TokenRequest) -> None:
        self._cache.invalidate(used)

    def _choose(
        self, security: list[dict[str, list[str]]], credentials: Mapping[str, Any]
    ) -> dict[str, list[str]]:
        for alternative in security:
            if alternative and all(
                _ready(self._schemes[name], credentials) for name in alternative
            ):
                return alternative
        if not security or any(not alternative for alternative in security):
            return {}
        needs = " or ".join(
            " and ".join(self._describe(name) for name in alternative) for alternative in security
        )
        raise ActionError(f"this operation needs credentials: set {needs}", error_type="credential")

    def _describe(self, name: str) -> str:
        fields = self._schemes[name].fields
        roles = [
            r for r in ("value", "username", "token", "client_id", "client_secret") if r in fields
        ]
        return "+".join(fields[role] for role in roles) + f" (scheme {name!r})"

    @staticmethod
    def _token_request(
        scheme: SchemeSpec, scopes: list[str], credentials: Mapping[str, Any]
    ) -> TokenRequest:
        fields = scheme.fields
        configured = str(credentials.get(fields["scopes"]) or "").split()
        return TokenRequest(
            token_url=str(credentials.get(fields["token_url"]) or scheme.token_url or ""),
            client_id=str(credentials[fields["client_id"]]),
            client_secret=str(credentials[fields["client_secret"]]),
            scopes=tuple(configured or scopes),
        )


def _is_set(credentials: Mapping[str, Any], name: str) -> bool:
    return credentials.get(name) not in (None, "")


def _ready(scheme: SchemeSpec, credentials: Mapping[str, Any]) -> bool:
    fields = scheme.fields
    if scheme.kind == "api_key":
        return _is_set(credentials, fields["value"])
    if scheme.kind == "basic":
        return _is_set(credentials, fields["username"])
    if scheme.kind == "bearer":
        return _is_set(credentials, fields["token"])
    has_url = bool(scheme.token_url) or _is_set(credentials, fields["token_url"])
    return has_url and all(_is_set(credentials, fields[r]) for r in ("client_id", "client_secret"))


def _apply_static(request: WireRequest, scheme: SchemeSpec, credentials: Mapping[str, Any]) -> None:
    fields = scheme.fields
    if scheme.kind == "basic":
        pair = f"{credentials[fields['username']]}:{credentials.get(fields['password']) or ''}"
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    elif scheme.kind == "bearer":
        request.headers["Authorization"] = f"Bearer {credentials[fields['token']]}"
    elif scheme.location == "query":
        request.query.append((str(scheme.wire_name), str(credentials[fields["value"]])))
    elif scheme.location == "cookie":
        request.cookies[str(scheme.wire_name)] = str(credentials[fields["value"]])
    else:
        request.headers[str(scheme.wire_name)] = str(credentials[fields["value"]])
