"""Shodan: what the internet sees on a host (open ports, banners, vulnerabilities).

Shodan takes the key as the ``key`` query parameter (the HTTP client's log line hides it).
A host Shodan has never scanned answers 404, returned here as ``found: false``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, IPvAnyAddress

from threatflow.apps.builtin._common import base_url, get_optional, json_of
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "shodan",
    title="Shodan",
    category=Category.INTELLIGENCE,
    description="Internet-wide scan data: open ports, services and known vulnerabilities.",
    docs_url="https://developer.shodan.io/api",
    credential_fields=[
        CredentialField("api_key", "API key", secret=True),
        CredentialField("url", "API URL", required=False, default="https://api.shodan.io"),
    ],
)


def _api(ctx: ActionContext) -> str:
    return base_url(ctx, "url", "https://api.shodan.io")


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the key and read the plan and remaining query credits."""
    params = {"key": ctx.credential("api_key")}
    info = json_of(await ctx.http.get(f"{_api(ctx)}/api-info", params=params))
    return {"ok": True, "plan": info.get("plan"), "query_credits": info.get("query_credits")}


@app.action(title="Host lookup")
async def host_lookup(
    ctx: ActionContext,
    ip: IPvAnyAddress,
    history: bool = Field(False, description="Include banners seen in the past"),
    minify: bool = Field(False, description="Only ports and general information"),
) -> dict[str, Any]:
    """Open ports, services, hostnames, organisation and CVEs Shodan knows for an IP."""
    params: dict[str, Any] = {"key": ctx.credential("api_key")}
    if history:
        params["history"] = "true"
    if minify:
        params["minify"] = "true"
    host = await get_optional(ctx, f"{_api(ctx)}/shodan/host/{ip}", params=params)
    if host is None:
        return {"found": False, "ip": str(ip)}
    return {
        "found": True,
        "ip": host.get("ip_str", str(ip)),
        "ports": host.get("ports", []),
        "vulns": host.get("vulns", []),
        "hostnames": host.get("hostnames", []),
        "org": host.get("org"),
        "country": host.get("country_code"),
        "host": host,
    }
