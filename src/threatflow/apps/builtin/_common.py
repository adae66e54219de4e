"""Helpers shared by several built-in apps: base URLs, JSON bodies and cached access tokens.

Tokens (Wazuh JWTs, Keycloak and Entra ID access tokens) are cached per process, keyed by a
hash of the credential that obtained them, and dropped when they expire or when the vendor
rejects them with 401 before their announced expiry (a revoked token, a restarted server).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from threatflow.apps.sdk import ActionContext
from threatflow.errors import ActionError, HttpError, ParamsInvalid, Problem

T = TypeVar("T")

TokenFetcher = Callable[[], Awaitable[tuple[str, float]]]
"""Obtains a fresh token; returns it with its lifetime in seconds."""


def base_url(ctx: ActionContext, name: str = "url", default: str | None = None) -> str:
    """The credential field ``name`` (or ``default``) without its trailing slash."""
    value = ctx.credentials.get(name) or default
    if not value:
        raise ActionError(
            f"credential field {name!r} is not set", error_type="credential", retryable=False
        )
    return str(value).rstrip("/")


def json_of(response: httpx.Response) -> Any:
    """The JSON body of a vendor response, or a clear error when it is something else."""
    try:
        return response.json()
    except ValueError:
        snippet = response.text[:200]
        raise ActionError(
            f"expected JSON from {response.request.url.host}, got: {snippet!r}",
            error_type="vendor",
            retryable=False,
        ) from None


async def get_optional(ctx: ActionContext, url: str, **kwargs: Any) -> Any | None:
    """GET a JSON resource; ``None`` when the vendor answers 404 (an unknown indicator)."""
    try:
        response = await ctx.http.get(url, **kwargs)
    except HttpError as exc:
        if exc.status == 404:
            return None
        raise
    return json_of(response)


def params_error(field: str, message: str) -> ParamsInvalid:
    """A parameter problem the designer can pin on the field (``params.<field>``)."""
    return ParamsInvalid([Problem(f"params.{field}" if field else "params", message)])


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the entries that are ``None`` (optional parameters left unset)."""
    return {key: value for key, value in values.items() if value is not None}


def cache_key(*parts: object) -> str:
    """A stable key for a credential that does not keep its secrets in clear."""
    joined = "\x00".join(str(part) for part in parts)
    return hashlib.sha256(joined.encode()).hexdigest()


def jwt_lifetime(token: str, default: float) -> float:
    """Seconds until the ``exp`` claim of a JWT (not verified: the server does that)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"]) - time.time()
    except (IndexError, KeyError, TypeError, ValueError):
        return default


@dataclass
class TokenCache:
    """Access tokens by credential key, forgotten ``margin`` seconds before they expire."""

    margin: float = 30.0
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        entry = self._tokens.get(key)
        if entry is None or entry[1] <= time.monotonic():
            self._tokens.pop(key, None)
            return None
        return entry[0]

    def put(self, key: str, token: str, lifetime: float) -> None:
        self._tokens[key] = (token, time.monotonic() + lifetime - self.margin)

    def drop(self, key: str) -> None:
        self._tokens.pop(key, None)

    def clear(self) -> None:
        self._tokens.clear()

    async def call(self, key: str, fetch: TokenFetcher, use: Callable[[str], Awaitable[T]]) -> T:
        """Run ``use(token)`` with a cached or fresh token.

        A cached token that the vendor rejects with 401 is dropped and the call is made once
        more with a fresh one; a fresh token that is rejected is the caller's problem.
        """
        token = self.get(key)
        if token is not None:
            try:
                return await use(token)
            except HttpError as exc:
                if exc.status != 401:
                    raise
                self.drop(key)
        token, lifetime = await fetch()
        self.put(key, token, lifetime)
        return await use(token)
