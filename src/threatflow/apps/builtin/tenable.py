"""Tenable Vulnerability Management (Tenable.io): vulnerabilities by host and by severity, and
scan reports. Scan actions also work against Nessus Professional, which shares the API.

Keys go in the ``X-ApiKeys: accessKey=...;secretKey=...`` header. Vulnerability lists use
the workbench endpoints with Tenable's ``filter.N.filter/quality/value`` query filters; the
workbenches cap their answers (5,000 rows), so bulk extraction belongs to the export API.

We use Tenable's REST API rather than Greenbone's GMP (XML over a TLS socket): Tenable's
covers the same needs with the HTTP client every app shares.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from threatflow.apps.builtin._common import base_url, json_of
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "tenable",
    title="Tenable Vulnerability Management",
    category=Category.ASSETS,
    description="Vulnerabilities per host and per severity; scan reports (Tenable.io, Nessus).",
    docs_url="https://developer.tenable.com/reference/navigate",
    credential_fields=[
        CredentialField("access_key", "Access key", secret=True),
        CredentialField("secret_key", "Secret key", secret=True),
        CredentialField("url", "API URL", required=False, default="https://cloud.tenable.com"),
    ],
)

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITY_NAMES = ("info", "low", "medium", "high", "critical")  # Tenable's 0..4


def _headers(ctx: ActionContext) -> dict[str, str]:
    access, secret = ctx.credential("access_key"), ctx.credential("secret_key")
    return {"X-ApiKeys": f"accessKey={access};secretKey={secret}", "Accept": "application/json"}


async def _get(ctx: ActionContext, path: str, params: dict[str, Any] | None = None) -> Any:
    url = f"{base_url(ctx, 'url', 'https://cloud.tenable.com')}{path}"
    return json_of(await ctx.http.get(url, params=params, headers=_headers(ctx)))


def workbench_filters(filters: list[tuple[str, str, str]], date_range: int) -> dict[str, str]:
    """Tenable's query-string filter encoding, every filter required (``and``)."""
    params = {"date_range": str(date_range), "filter.search_type": "and"}
    for index, (name, quality, value) in enumerate(filters):
        params |= {
            f"filter.{index}.filter": name,
            f"filter.{index}.quality": quality,
            f"filter.{index}.value": value,
        }
    return params


def _vulnerabilities(body: dict[str, Any]) -> dict[str, Any]:
    vulns = body.get("vulnerabilities", [])
    by_severity = Counter(SEVERITY_NAMES[int(v.get("severity", 0))] for v in vulns)
    return {
        "total": body.get("total_vulnerability_count", len(vulns)),
        "by_severity": {name: by_severity.get(name, 0) for name in SEVERITY_NAMES},
        "vulnerabilities": vulns,
    }


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the keys by reading the session's user."""
    session = await _get(ctx, "/session")
    return {"ok": True, "username": session.get("username"), "name": session.get("name")}


@app.action(title="Vulnerabilities by host")
async def vulnerabilities_by_host(
    ctx: ActionContext,
    host: str = Field(min_length=1, description="IP address or hostname"),
    severity: Severity | None = Field(None, description="Only this severity"),
    date_range: int = Field(30, ge=1, le=365, description="Days of data"),
) -> dict[str, Any]:
    """Vulnerabilities (by plugin) found on one host, with counts per severity."""
    filters = [("host.target", "eq", host)]
    if severity:
        filters.append(("severity", "eq", severity.capitalize()))
    body = await _get(ctx, "/workbenches/vulnerabilities", workbench_filters(filters, date_range))
    return {"host": host, **_vulnerabilities(body)}


@app.action(title="Vulnerabilities by severity")
async def vulnerabilities_by_severity(
    ctx: ActionContext,
    severity: Severity = "critical",
    date_range: int = Field(30, ge=1, le=365, description="Days of data"),
) -> dict[str, Any]:
    """Vulnerabilities of one severity across all assets, with affected host counts."""
    filters = [("severity", "eq", severity.capitalize())]
    body = await _get(ctx, "/workbenches/vulnerabilities", workbench_filters(filters, date_range))
    return {"severity": severity, **_vulnerabilities(body)}


@app.action(title="List scans")
async def list_scans(
    ctx: ActionContext, folder_id: int | None = Field(None, description="Only this folder")
) -> dict[str, Any]:
    """Scans with their id, name, status and last modification."""
    params = {"folder_id": str(folder_id)} if folder_id is not None else None
    body = await _get(ctx, "/scans", params)
    scans = [
        {key: scan.get(key) for key in ("id", "uuid", "name", "status", "last_modification_date")}
        for scan in body.get("scans") or []
    ]
    return {"count": len(scans), "scans": scans}


@app.action(title="Get scan report")
async def get_scan_report(
    ctx: ActionContext,
    scan_id: str = Field(min_length=1, description="Scan id or UUID"),
    history_id: str | None = Field(None, description="A past run; the latest when empty"),
) -> dict[str, Any]:
    """A scan's results: its hosts with per-severity counts and its vulnerabilities."""
    params = {"history_id": history_id} if history_id else None
    body = await _get(ctx, f"/scans/{quote(scan_id, safe='')}", params)
    info = body.get("info", {})
    return {
        "scan_id": scan_id,
        "name": info.get("name"),
        "status": info.get("status"),
        "targets": info.get("targets"),
        "started": info.get("scan_start"),
        "ended": info.get("scan_end"),
        "hosts": body.get("hosts", []),
        **_vulnerabilities(body),
    }
