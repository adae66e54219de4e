"""AbuseIPDB API v2: check an IP address's abuse reports and report an abusive address.

The key goes in the ``Key`` header and answers are asked for as JSON. Reporting the same
address twice within 15 minutes is refused with 429, which the engine may retry later.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, IPvAnyAddress

from threatflow.apps.builtin._common import base_url, json_of, params_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "abuseipdb",
    title="AbuseIPDB",
    category=Category.INTELLIGENCE,
    description="Crowd-sourced IP abuse reports: check a confidence score, report an address.",
    docs_url="https://docs.abuseipdb.com/",
    credential_fields=[
        CredentialField("api_key", "API key", secret=True),
        CredentialField(
            "url", "API URL", required=False, default="https://api.abuseipdb.com/api/v2"
        ),
    ],
)

# https://www.abuseipdb.com/categories: 1 (DNS Compromise) to 23 (IoT Targeted).
CATEGORY_RANGE = range(1, 24)


def _headers(ctx: ActionContext) -> dict[str, str]:
    return {"Key": str(ctx.credential("api_key")), "Accept": "application/json"}


async def _check(ctx: ActionContext, ip: str, max_age_days: int, verbose: bool) -> Any:
    params: dict[str, Any] = {"ipAddress": ip, "maxAgeInDays": max_age_days}
    if verbose:
        params["verbose"] = ""  # a flag: its presence asks for the reports themselves
    url = f"{base_url(ctx, 'url', 'https://api.abuseipdb.com/api/v2')}/check"
    response = await ctx.http.get(url, params=params, headers=_headers(ctx))
    return json_of(response).get("data", {})


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the key by looking up 127.0.0.1 (uses one check of the daily quota)."""
    data = await _check(ctx, "127.0.0.1", 1, False)
    return {"ok": True, "ip": data.get("ipAddress")}


@app.action(title="Check IP")
async def check_ip(
    ctx: ActionContext,
    ip: IPvAnyAddress,
    max_age_days: int = Field(90, ge=1, le=365, description="Only count reports this recent"),
    verbose: bool = Field(False, description="Include the individual reports"),
) -> dict[str, Any]:
    """Abuse confidence score (0-100), report count, ISP, usage type and country."""
    data: dict[str, Any] = await _check(ctx, str(ip), max_age_days, verbose)
    return data


@app.action(title="Report IP")
async def report_ip(
    ctx: ActionContext,
    ip: IPvAnyAddress,
    categories: list[int] = Field(min_length=1, description="Category ids, e.g. 18 brute force"),
    comment: str = Field("", max_length=1024, description="Evidence; strip personal data"),
    timestamp: str | None = Field(None, description="When the attack happened, ISO 8601"),
) -> dict[str, Any]:
    """Report an abusive address with one or more categories."""
    wrong = [c for c in categories if c not in CATEGORY_RANGE]
    if wrong:
        raise params_error("categories", f"unknown AbuseIPDB categories: {wrong}")
    form = {"ip": str(ip), "categories": ",".join(str(c) for c in categories), "comment": comment}
    if timestamp:
        form["timestamp"] = timestamp
    url = f"{base_url(ctx, 'url', 'https://api.abuseipdb.com/api/v2')}/report"
    response = await ctx.http.post(url, data=form, headers=_headers(ctx))
    data: dict[str, Any] = json_of(response).get("data", {})
    return data
