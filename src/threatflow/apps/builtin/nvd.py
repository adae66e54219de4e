"""NVD CVE API 2.0: get a CVE, search CVEs by keyword or by CPE name.

An API key (header ``apiKey``) raises the rate limit from 5 to 50 requests per 30 seconds
but is optional. Some NVD parameters are bare flags (``keywordExactMatch``, ``hasKev``,
``noRejected``) that must appear without a value, so the query string is built by hand. NVD
explains refused requests in a ``message`` response header rather than in the body.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from pydantic import Field

from threatflow.apps.builtin._common import base_url, json_of
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import HttpError

app = App(
    "nvd",
    title="NVD (CVE API 2.0)",
    category=Category.ASSETS,
    description="CVE details and CVSS scores from the U.S. National Vulnerability Database.",
    docs_url="https://nvd.nist.gov/developers/vulnerabilities",
    credential_fields=[
        CredentialField("api_key", "API key", secret=True, required=False),
        CredentialField(
            "url",
            "API URL",
            required=False,
            default="https://services.nvd.nist.gov/rest/json/cves/2.0",
        ),
    ],
)

CVE_ID = Field(pattern=r"^CVE-\d{4}-\d{4,}$", description="For example CVE-2021-44228")
Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
_METRICS = ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2")


async def _query(ctx: ActionContext, params: dict[str, Any], flags: list[str]) -> Any:
    api = base_url(ctx, "url", "https://services.nvd.nist.gov/rest/json/cves/2.0")
    query = "&".join(filter(None, [urlencode(params), *flags]))
    headers = {"Accept": "application/json"}
    if ctx.credentials.get("api_key"):
        headers["apiKey"] = str(ctx.credentials["api_key"])
    url = f"{api}?{query}"
    response = await ctx.http.get(url, headers=headers, raise_for_status=False)
    if response.status_code >= 400:
        raise HttpError(response.status_code, _reason(response), method="GET", url=api)
    return json_of(response)


def _reason(response: httpx.Response) -> str:
    return response.headers.get("message") or response.text[:200] or response.reason_phrase


def _best_metric(metrics: dict[str, Any]) -> dict[str, Any]:
    """The newest CVSS version present, preferring NVD's own (Primary) score."""
    for name in _METRICS:
        entries = metrics.get(name) or []
        if entries:
            chosen = next((m for m in entries if m.get("type") == "Primary"), entries[0])
            data = chosen.get("cvssData", {})
            severity = data.get("baseSeverity") or chosen.get("baseSeverity")
            return {
                "version": data.get("version"),
                "score": data.get("baseScore"),
                "severity": severity,
                "vector": data.get("vectorString"),
                "source": chosen.get("source"),
            }
    return {}


def summarize(cve: dict[str, Any]) -> dict[str, Any]:
    """The fields a playbook usually needs from one NVD CVE record."""
    descriptions = cve.get("descriptions", [])
    english = next((d["value"] for d in descriptions if d.get("lang") == "en"), "")
    weaknesses = [d["value"] for w in cve.get("weaknesses", []) for d in w.get("description", [])]
    return {
        "id": cve.get("id"),
        "status": cve.get("vulnStatus"),
        "published": cve.get("published"),
        "last_modified": cve.get("lastModified"),
        "description": english,
        "cvss": _best_metric(cve.get("metrics", {})),
        "cwe": sorted(set(weaknesses)),
        "known_exploited": "cisaExploitAdd" in cve,
        "cisa_required_action": cve.get("cisaRequiredAction"),
        "references": [r.get("url") for r in cve.get("references", [])],
    }


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Fetch one well-known CVE to check the URL and the API key."""
    body = await _query(ctx, {"cveId": "CVE-2021-44228"}, [])
    return {"ok": True, "version": body.get("version"), "timestamp": body.get("timestamp")}


@app.action(title="Get CVE")
async def get_cve(ctx: ActionContext, cve_id: str = CVE_ID) -> dict[str, Any]:
    """Description, CVSS score and vector, CWE, KEV status and references of a CVE."""
    body = await _query(ctx, {"cveId": cve_id.upper()}, [])
    found = body.get("vulnerabilities", [])
    if not found:
        return {"found": False, "id": cve_id.upper()}
    cve = found[0]["cve"]
    return {"found": True, **summarize(cve), "cve": cve}


@app.action(title="Search CVEs")
async def search_cves(
    ctx: ActionContext,
    keyword: str | None = Field(None, description="Words to find in descriptions"),
    exact: bool = Field(False, description="Match the keyword as one phrase"),
    cpe_name: str | None = Field(
        None, pattern=r"^cpe:2\.3:", description="e.g. cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
    ),
    severity: Severity | None = Field(None, description="CVSS v3 severity"),
    known_exploited: bool = Field(False, description="Only CVEs in CISA's KEV catalog"),
    include_rejected: bool = False,
    results_per_page: int = Field(50, ge=1, le=2000),
    start_index: int = Field(0, ge=0),
) -> dict[str, Any]:
    """Search CVEs by keyword, affected product (CPE name), severity and KEV status."""
    params: dict[str, Any] = {"resultsPerPage": results_per_page, "startIndex": start_index}
    if keyword:
        params["keywordSearch"] = keyword
    if cpe_name:
        params["cpeName"] = cpe_name
    if severity:
        params["cvssV3Severity"] = severity
    flags = [
        name
        for name, wanted in (
            ("keywordExactMatch", exact and bool(keyword)),
            ("hasKev", known_exploited),
            ("noRejected", not include_rejected),
        )
        if wanted
    ]
    body = await _query(ctx, params, flags)
    cves = [summarize(item["cve"]) for item in body.get("vulnerabilities", [])]
    return {"total": body.get("totalResults", 0), "start_index": start_index, "cves": cves}
