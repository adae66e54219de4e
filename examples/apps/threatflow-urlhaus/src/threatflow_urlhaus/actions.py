"""abuse.ch URLhaus lookups: is a URL, a host or a file hash known to spread malware?

Each lookup is a form POST to ``{url}/<kind>/`` with the key in the ``Auth-Key`` header.
URLhaus answers HTTP 200 with a ``query_status``: ``ok`` (the record follows), ``no_results``
(an answer, not a failure: the indicator is not listed), or a refusal such as ``invalid_url``
or ``unknown_auth_key``. Numbers that URLhaus sends as strings (ids, counts, sizes) are passed
through unchanged.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from pydantic import Field
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError, HttpError, ParamsInvalid, Problem

DEFAULT_URL = "https://urlhaus-api.abuse.ch/v1"

app = App(
    "urlhaus",
    title="URLhaus",
    category=Category.INTELLIGENCE,
    description="abuse.ch URLhaus: URLs, hosts and payloads seen distributing malware.",
    docs_url="https://urlhaus-api.abuse.ch/",
    version="0.1.0",
    source="package",
    credential_fields=[
        CredentialField("auth_key", "Auth-Key", secret=True,
                        description="Free key from https://auth.abuse.ch/"),
        CredentialField("url", "API URL", required=False, default=DEFAULT_URL),
    ],
)

Url = Annotated[str, Field(
    pattern=r"^https?://\S+$", max_length=2048,
    description="The URL exactly as URLhaus lists it (no normalisation is applied)",
)]
Host = Annotated[str, Field(
    pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$",
    description="IPv4 address, host name or domain",
)]
FileHash = Annotated[str, Field(
    pattern=r"^([0-9A-Fa-f]{32}|[0-9A-Fa-f]{64})$", description="MD5 or SHA-256 of the file",
)]

# query_status values that mean URLhaus rejected one of our parameters.
_REFUSED_PARAM = {
    "invalid_url": "url",
    "invalid_host": "host",
    "invalid_md5": "file_hash",
    "invalid_sha256": "file_hash",
}


def _bad_key() -> ActionError:
    return ActionError("URLhaus does not know this Auth-Key", error_type="credential")


async def _query(
    ctx: ActionContext, method: str, path: str, form: dict[str, str] | None = None
) -> dict[str, Any]:
    """Call the API and return the answer of a successful query (``found`` added)."""
    root = str(ctx.credentials.get("url") or DEFAULT_URL).rstrip("/")
    headers = {"Auth-Key": str(ctx.credential("auth_key"))}
    try:
        response = await ctx.http.request(method, f"{root}/{path}/", data=form, headers=headers)
    except HttpError as exc:
        # Newer API versions refuse an unknown key with 401 instead of a query_status.
        if exc.status in (401, 403):
            raise _bad_key() from exc
        raise
    return _answer(ctx, response)


def _answer(ctx: ActionContext, response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise ActionError("URLhaus answered with something other than JSON",
                          error_type="vendor") from None
    status = body.get("query_status") if isinstance(body, dict) else None
    if status == "ok":
        return {"found": True, **body}
    if status == "no_results":
        ctx.log.debug("not listed in URLhaus")
        return {"found": False, "query_status": status}
    if status == "unknown_auth_key":
        raise _bad_key()
    if status in _REFUSED_PARAM:
        field = _REFUSED_PARAM[status]
        raise ParamsInvalid([Problem(f"params.{field}", f"URLhaus refused it ({status})", status)])
    raise ActionError(f"URLhaus query failed: {status or 'no query_status'}",
                      error_type="vendor", details={"query_status": status})


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the Auth-Key by reading the most recent URL added to URLhaus."""
    body = await _query(ctx, "GET", "urls/recent/limit/1")
    return {"ok": True, "recent_urls": len(body.get("urls") or [])}


@app.action(title="Look up URL")
async def url_lookup(ctx: ActionContext, url: Url) -> dict[str, Any]:
    """URLhaus's record of a URL: status (online, offline), threat, tags, blocklists, payloads.

    ``found`` is false when the URL is not listed.
    """
    return await _query(ctx, "POST", "url", {"url": url})


@app.action(title="Look up host")
async def host_lookup(ctx: ActionContext, host: Host) -> dict[str, Any]:
    """Malware URLs seen on a host, with when it was first seen and how many are online.

    ``found`` is false when the host is not listed.
    """
    return await _query(ctx, "POST", "host", {"host": host})


@app.action(title="Look up payload")
async def payload_lookup(ctx: ActionContext, file_hash: FileHash) -> dict[str, Any]:
    """A payload by MD5 or SHA-256: file type and size, signature, and the URLs that served it.

    ``found`` is false when URLhaus has never seen the file.
    """
    field = "md5_hash" if len(file_hash) == 32 else "sha256_hash"
    return await _query(ctx, "POST", "payload", {field: file_hash.lower()})
