"""Helpers shared by the case-management, communication, network and eradication apps.

Private to the built-in apps (the registry skips modules whose name starts with ``_``):

* credential shortcuts (:func:`base_url`, :func:`flag`) and vendor errors (:func:`vendor_error`);
* a process-wide cache of OAuth2 / JWT bearer tokens (:data:`tokens`, :func:`with_bearer`),
  so that a playbook calling CrowdStrike ten times fetches one token, not ten;
* the guard every block action runs on its target (:func:`blockable`);
* commands over SSH with host key checking on by default (:func:`run_ssh`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncssh
import httpx

from threatflow.apps.sdk import ActionContext, CredentialField
from threatflow.errors import ActionError, HttpError, ParamsInvalid, Problem

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}


def base_url(ctx: ActionContext, name: str = "base_url") -> str:
    """The credential ``name`` without its trailing slash (it is joined with absolute paths)."""
    return str(ctx.credential(name)).rstrip("/")


def flag(value: Any) -> bool:
    """Read a boolean credential field, which forms store as text."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def setting(ctx: ActionContext, name: str, default: str) -> str:
    """An optional credential field, or ``default`` when it is empty."""
    value = ctx.credentials.get(name)
    return default if value in (None, "") else str(value)


def vendor_error(message: str, *, retryable: bool = False, **details: Any) -> ActionError:
    """A failure the vendor reported inside a successful HTTP answer (``ok: false``...)."""
    return ActionError(message, error_type="vendor", retryable=retryable, details=details)


def json_of(response: httpx.Response) -> Any:
    """The JSON body of a vendor answer; anything else is a non-retryable vendor error."""
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        raise vendor_error(
            f"expected JSON, got HTTP {response.status_code} with {kind}",
            status=response.status_code,
        ) from None


def params_problem(field: str, message: str, code: str = "invalid") -> ParamsInvalid:
    """A parameter error found after schema validation (for example an unsafe address)."""
    return ParamsInvalid([Problem(f"params.{field}", message, code)])


# --- bearer tokens ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """Bearer tokens kept until ``margin`` seconds before they expire.

    Keys are digests of the token endpoint and the client's credentials, so the cache never
    holds a secret in clear beside the token it bought.
    """

    def __init__(self, margin: float = 60.0) -> None:
        self._margin = margin
        self._tokens: dict[str, _Token] = {}

    @staticmethod
    def key(*parts: str) -> str:
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def get(self, key: str) -> str | None:
        token = self._tokens.get(key)
        if token is None or token.expires_at <= time.monotonic():
            return None
        return token.value

    def put(self, key: str, value: str, expires_in: float) -> None:
        lifetime = max(float(expires_in) - self._margin, 0.0)
        self._tokens[key] = _Token(value, time.monotonic() + lifetime)

    def drop(self, key: str) -> None:
        self._tokens.pop(key, None)

    def clear(self) -> None:
        self._tokens.clear()


tokens = TokenCache()

TokenFetcher = Callable[[], Awaitable[tuple[str, float]]]


async def with_bearer(key: str, fetch: TokenFetcher, call: Callable[[str], Awaitable[T]]) -> T:
    """Run ``call(token)`` with a cached token; on a 401, fetch a fresh token once and retry.

    A 401 means the vendor did nothing, so repeating the call cannot apply it twice.
    """
    cached = tokens.get(key)
    token = cached or await _fetch(key, fetch)
    try:
        return await call(token)
    except HttpError as exc:
        if exc.status != 401 or cached is None:
            raise
    tokens.drop(key)
    return await call(await _fetch(key, fetch))


async def _fetch(key: str, fetch: TokenFetcher) -> str:
    value, expires_in = await fetch()
    if not value:
        raise vendor_error("the token endpoint answered without a token")
    tokens.put(key, value, expires_in)
    return value


# --- block targets ---------------------------------------------------------------------------


def blockable(network: IPNetwork, field: str = "ip") -> IPNetwork:
    """Refuse targets whose blocking would cut everything or the firewall itself off."""
    if not isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network):
        raise params_problem(field, "expected an IP address or network")
    if network.prefixlen == 0 or network.is_unspecified:
        raise params_problem(field, f"refusing to block {network}: it matches every address")
    if network.is_loopback:
        raise params_problem(field, f"refusing to block loopback network {network}")
    return network


def address_text(network: IPNetwork) -> str:
    """``1.2.3.4`` for a single host, ``10.0.0.0/24`` for a wider network."""
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def same_target(entry: str, network: IPNetwork) -> bool:
    """Whether a firewall's text entry (``1.2.3.4``, ``1.2.3.4/32``...) names ``network``."""
    try:
        return ipaddress.ip_network(entry.strip(), strict=False) == network
    except ValueError:
        return False


# --- SSH -------------------------------------------------------------------------------------

SSH_FIELDS = [
    CredentialField("host", description="Host name or address of the SSH server"),
    CredentialField("port", required=False, default="22"),
    CredentialField("username"),
    CredentialField("password", secret=True, required=False),
    CredentialField(
        "private_key", secret=True, required=False, description="OpenSSH private key text"
    ),
    CredentialField(
        "passphrase", secret=True, required=False, description="Private key passphrase"
    ),
    CredentialField(
        "known_hosts",
        required=False,
        description="known_hosts lines for this host (for a port other than 22 the pattern is "
        "[host]:port); when empty, the worker's ~/.ssh/known_hosts is used",
    ),
    CredentialField(
        "skip_host_key_check",
        required=False,
        default="false",
        description="true disables host key checking (lab use only: it allows impersonation)",
    ),
]

CONNECT_TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class SshResult:
    """What a remote command returned."""

    exit_status: int
    stdout: str
    stderr: str

    def as_dict(self) -> dict[str, Any]:
        return {"exit_status": self.exit_status, "stdout": self.stdout, "stderr": self.stderr}


def _known_hosts(creds: Mapping[str, Any]) -> Any:
    if flag(creds.get("skip_host_key_check")):
        return None
    text = str(creds.get("known_hosts") or "").strip()
    return asyncssh.import_known_hosts(text) if text else ()


def _client_keys(creds: Mapping[str, Any]) -> Any:
    text = str(creds.get("private_key") or "").strip()
    if not text:
        return None
    try:
        return [asyncssh.import_private_key(text, creds.get("passphrase") or None)]
    except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
        raise ActionError(
            f"cannot read the SSH private key: {exc}", error_type="credential"
        ) from None


def ssh_options(ctx: ActionContext) -> dict[str, Any]:
    """Connection settings from the credential; no agent, no ~/.ssh/config, no default keys."""
    creds = ctx.credentials
    return {
        "host": str(ctx.credential("host")),
        "port": int(setting(ctx, "port", "22")),
        "username": str(ctx.credential("username")),
        "password": creds.get("password") or None,
        "client_keys": _client_keys(creds),
        "known_hosts": _known_hosts(creds),
        "agent_path": None,
        "config": None,
        "connect_timeout": CONNECT_TIMEOUT,
    }


async def run_ssh(ctx: ActionContext, command: str, *, time_limit: float) -> SshResult:
    """Run one command on the credential's host; one INFO log line, no command text logged.

    Errors: refused login and unknown host keys are not retryable; network failures and
    timeouts are.
    """
    options = ssh_options(ctx)
    where = f"{options['username']}@{options['host']}:{options['port']}"
    started = time.perf_counter()
    try:
        async with asyncssh.connect(**options) as conn:
            done = await conn.run(command, check=False, timeout=time_limit)
    except (OSError, TimeoutError, asyncssh.Error) as exc:
        raise _ssh_error(exc, where) from None
    result = SshResult(int(done.exit_status or 0), _text(done.stdout), _text(done.stderr))
    elapsed_ms = (time.perf_counter() - started) * 1000
    program = command.split(" ", 1)[0]
    ctx.log.info("ssh %s %s -> exit %s in %.1f ms", where, program, result.exit_status, elapsed_ms)
    return result


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value or "")


def _ssh_error(exc: Exception, where: str) -> ActionError:
    if isinstance(exc, asyncssh.PermissionDenied):
        return ActionError(f"ssh {where}: login refused", error_type="auth")
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return ActionError(
            f"ssh {where}: host key not trusted ({exc.reason})", error_type="host_key"
        )
    if isinstance(exc, asyncssh.TimeoutError | TimeoutError):
        return ActionError(f"ssh {where}: timed out", error_type="timeout", retryable=True)
    return ActionError(
        f"ssh {where}: {type(exc).__name__}: {exc}", error_type="connection", retryable=True
    )
