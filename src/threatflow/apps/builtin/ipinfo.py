"""IPinfo: geolocation, network owner and hostname of an IP address.

The token is sent as a bearer token rather than in the query string, so it never appears in
URLs. Without a token IPinfo still answers, with a low monthly limit. Private and reserved
addresses come back as ``bogon: true`` with no other data.
"""

from __future__ import annotations

from typing import Any

from pydantic import IPvAnyAddress

from threatflow.apps.builtin._common import base_url, json_of
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "ipinfo",
    title="IPinfo",
    category=Category.INTELLIGENCE,
    description="IP geolocation, ASN / organisation and reverse hostname.",
    docs_url="https://ipinfo.io/developers",
    credential_fields=[
        CredentialField("token", "Access token", secret=True, required=False),
        CredentialField("url", "API URL", required=False, default="https://ipinfo.io"),
    ],
)


def _headers(ctx: ActionContext) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    token = ctx.credentials.get("token")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


async def _get(ctx: ActionContext, path: str) -> Any:
    url = f"{base_url(ctx, 'url', 'https://ipinfo.io')}{path}"
    return json_of(await ctx.http.get(url, headers=_headers(ctx)))


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the token and read this month's usage and limit."""
    usage = (await _get(ctx, "/me")).get("requests", {})
    return {"ok": True, "month": usage.get("month"), "limit": usage.get("limit")}


@app.action(title="Look up IP")
async def lookup_ip(ctx: ActionContext, ip: IPvAnyAddress) -> dict[str, Any]:
    """City, region, country, coordinates, organisation (AS number and name) and hostname."""
    details: dict[str, Any] = await _get(ctx, f"/{ip}")
    org = str(details.get("org", ""))
    asn, _, owner = org.partition(" ")
    if asn.startswith("AS"):
        details.setdefault("asn", asn)
        details.setdefault("as_name", owner)
    details.setdefault("bogon", False)
    return details
