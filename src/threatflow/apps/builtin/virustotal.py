"""VirusTotal API v3: reports on IP addresses, domains, URLs and files; URL submission.

Every call carries the key in the ``x-apikey`` header. A URL is identified by its unpadded
base64url encoding. An indicator VirusTotal has never seen (404 ``NotFoundError``) is a
normal answer for enrichment, so reports return ``found: false`` rather than failing.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote

from pydantic import Field, IPvAnyAddress

from threatflow.apps.builtin._common import base_url, get_optional, json_of, params_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "virustotal",
    title="VirusTotal",
    category=Category.INTELLIGENCE,
    description="Reputation and scan reports for IPs, domains, URLs and files.",
    docs_url="https://docs.virustotal.com/reference/overview",
    credential_fields=[
        CredentialField("api_key", "API key", secret=True),
        CredentialField(
            "url", "API URL", required=False, default="https://www.virustotal.com/api/v3"
        ),
    ],
)

_HASH = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")


def url_id(url: str) -> str:
    """VirusTotal's identifier of a URL: base64url of the URL without ``=`` padding."""
    return base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def _headers(ctx: ActionContext) -> dict[str, str]:
    return {"x-apikey": str(ctx.credential("api_key")), "Accept": "application/json"}


def _api(ctx: ActionContext) -> str:
    return base_url(ctx, "url", "https://www.virustotal.com/api/v3")


def _summary(body: dict[str, Any] | None) -> dict[str, Any]:
    if body is None:
        return {"found": False}
    data = body.get("data", {})
    attributes = data.get("attributes", {})
    stats = attributes.get("last_analysis_stats", {})
    return {
        "found": True,
        "id": data.get("id"),
        "type": data.get("type"),
        "malicious": stats.get("malicious", 0),
        "suspicious": stats.get("suspicious", 0),
        "reputation": attributes.get("reputation"),
        "stats": stats,
        "attributes": attributes,
    }


async def _report(ctx: ActionContext, collection: str, key: str) -> dict[str, Any]:
    url = f"{_api(ctx)}/{collection}/{quote(key, safe=':')}"
    return _summary(await get_optional(ctx, url, headers=_headers(ctx)))


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the key with a call that costs no lookup quota."""
    response = await ctx.http.get(f"{_api(ctx)}/popular_threat_categories", headers=_headers(ctx))
    return {"ok": True, "categories": len(json_of(response).get("data", []))}


@app.action(title="IP address report")
async def ip_report(ctx: ActionContext, ip: IPvAnyAddress) -> dict[str, Any]:
    """Reputation, detections, ASN and country of an IP address."""
    return await _report(ctx, "ip_addresses", str(ip))


@app.action(title="Domain report")
async def domain_report(
    ctx: ActionContext, domain: str = Field(min_length=1, max_length=253)
) -> dict[str, Any]:
    """Reputation, detections, categories and DNS records of a domain."""
    return await _report(ctx, "domains", domain.strip().rstrip(".").lower())


@app.action(title="URL report")
async def url_report(ctx: ActionContext, url: str = Field(min_length=1)) -> dict[str, Any]:
    """The last analysis of a URL, looked up by its VirusTotal identifier."""
    return await _report(ctx, "urls", url_id(url))


@app.action(title="File report")
async def file_report(
    ctx: ActionContext, hash: str = Field(description="MD5, SHA-1 or SHA-256 of the file")
) -> dict[str, Any]:
    """Detections, names, type and first/last submission dates of a file."""
    if not _HASH.match(hash.strip()):
        raise params_error("hash", f"{hash!r} is not an MD5, SHA-1 or SHA-256 hash")
    return await _report(ctx, "files", hash.strip().lower())


@app.action(title="Submit URL")
async def submit_url(ctx: ActionContext, url: str = Field(min_length=1)) -> dict[str, Any]:
    """Queue a URL for scanning; returns the analysis id to poll and the URL's id."""
    response = await ctx.http.post(f"{_api(ctx)}/urls", data={"url": url}, headers=_headers(ctx))
    data = json_of(response).get("data", {})
    return {"analysis_id": data.get("id"), "url_id": url_id(url)}


@app.action(title="Get analysis")
async def get_analysis(
    ctx: ActionContext, analysis_id: str = Field(min_length=1)
) -> dict[str, Any]:
    """Status (queued, in-progress, completed) and verdict counts of a submitted analysis."""
    url = f"{_api(ctx)}/analyses/{quote(analysis_id, safe='')}"
    response = await ctx.http.get(url, headers=_headers(ctx))
    attributes = json_of(response).get("data", {}).get("attributes", {})
    return {"status": attributes.get("status"), "stats": attributes.get("stats", {})}
