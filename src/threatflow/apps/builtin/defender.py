"""Microsoft Defender for Endpoint: isolate and release machines, run antivirus scans.

Uses an Entra ID application with the *Machine.Isolate*, *Machine.Scan* and *Machine.Read.All*
application permissions on the WindowsDefenderATP API; the token comes from the client
credentials flow of the Microsoft identity platform and is cached until it nearly expires.
Machine actions are asynchronous: they answer with a machine action whose ``status`` starts
as ``Pending``; read it later with ``get_machine_action``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from threatflow.apps.builtin._netcommon import json_of, setting, tokens, with_bearer
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

API = "https://api.securitycenter.microsoft.com"
SCOPE = "https://api.securitycenter.microsoft.com/.default"
LOGIN = "https://login.microsoftonline.com"

app = App(
    "defender",
    title="Microsoft Defender for Endpoint",
    category=Category.ERADICATION,
    description="Isolate machines and run antivirus scans with Defender for Endpoint.",
    docs_url="https://learn.microsoft.com/en-us/defender-endpoint/api/isolate-machine",
    credential_fields=[
        CredentialField("tenant_id"),
        CredentialField("client_id", title="Application (client) ID"),
        CredentialField("client_secret", secret=True),
        CredentialField(
            "api_url",
            required=False,
            default=API,
            description="Or a regional endpoint such as https://api-eu.securitycenter.microsoft.com",
        ),
        CredentialField("login_url", required=False, default=LOGIN),
        CredentialField("scope", required=False, default=SCOPE),
    ],
)

_MACHINE_ID = r"^[0-9a-f]{40}$"


def _comment() -> Any:
    return Field(min_length=1, max_length=1000, description="Why (kept in the action center)")


def _api_root(ctx: ActionContext) -> str:
    return setting(ctx, "api_url", API).rstrip("/")


async def _fetch_token(ctx: ActionContext) -> tuple[str, float]:
    tenant = str(ctx.credential("tenant_id"))
    url = f"{setting(ctx, 'login_url', LOGIN).rstrip('/')}/{tenant}/oauth2/v2.0/token"
    form = {
        "grant_type": "client_credentials",
        "client_id": str(ctx.credential("client_id")),
        "client_secret": str(ctx.credential("client_secret")),
        "scope": setting(ctx, "scope", SCOPE),
    }
    answer = json_of(await ctx.http.post(url, data=form))
    return str(answer.get("access_token") or ""), float(answer.get("expires_in") or 0)


async def _api(ctx: ActionContext, method: str, path: str, **kwargs: Any) -> Any:
    key = tokens.key(
        setting(ctx, "login_url", LOGIN),
        str(ctx.credentials.get("tenant_id")),
        str(ctx.credentials.get("client_id")),
        str(ctx.credentials.get("client_secret")),
        setting(ctx, "scope", SCOPE),
    )

    async def call(token: str) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        url = f"{_api_root(ctx)}{path}"
        return json_of(await ctx.http.request(method, url, headers=headers, **kwargs))

    return await with_bearer(key, lambda: _fetch_token(ctx), call)


def _action_summary(action: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "type",
        "status",
        "machineId",
        "computerDnsName",
        "requestor",
        "creationDateTimeUtc",
        "lastUpdateDateTimeUtc",
    )
    return {key: action.get(key) for key in keys}


@app.action(title="Isolate machine")
async def isolate_machine(
    ctx: ActionContext,
    machine_id: str = Field(pattern=_MACHINE_ID, description="Defender machine ID"),
    comment: str = _comment(),
    isolation_type: Literal["Full", "Selective"] = "Full",
) -> dict[str, Any]:
    """Isolate a machine from the network (Selective keeps Outlook, Teams and Skype)."""
    body = {"Comment": comment, "IsolationType": isolation_type}
    action = await _api(ctx, "POST", f"/api/machines/{machine_id}/isolate", json=body)
    return _action_summary(action)


@app.action(title="Release machine from isolation")
async def release_machine(
    ctx: ActionContext,
    machine_id: str = Field(pattern=_MACHINE_ID),
    comment: str = _comment(),
) -> dict[str, Any]:
    """Undo an isolation."""
    action = await _api(
        ctx, "POST", f"/api/machines/{machine_id}/unisolate", json={"Comment": comment}
    )
    return _action_summary(action)


@app.action(title="Run antivirus scan")
async def run_antivirus_scan(
    ctx: ActionContext,
    machine_id: str = Field(pattern=_MACHINE_ID),
    comment: str = _comment(),
    scan_type: Literal["Quick", "Full"] = "Quick",
) -> dict[str, Any]:
    """Start a Microsoft Defender Antivirus scan on the machine."""
    body = {"Comment": comment, "ScanType": scan_type}
    action = await _api(ctx, "POST", f"/api/machines/{machine_id}/runAntiVirusScan", json=body)
    return _action_summary(action)


@app.action(title="Get machine action")
async def get_machine_action(
    ctx: ActionContext,
    action_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$", description="Machine action ID"),
) -> dict[str, Any]:
    """Read the status of a machine action (Pending, InProgress, Succeeded, Failed...)."""
    return _action_summary(await _api(ctx, "GET", f"/api/machineactions/{action_id}"))


@app.action(title="Find machine")
async def find_machine(
    ctx: ActionContext,
    hostname: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,255}$", description="DNS name"),
) -> dict[str, Any]:
    """Machines whose DNS name is ``hostname`` (case-insensitive, as Defender stores it)."""
    params = {"$filter": f"computerDnsName eq '{hostname.lower()}'"}
    answer = await _api(ctx, "GET", "/api/machines", params=params)
    machines = [
        {
            k: m.get(k)
            for k in (
                "id",
                "computerDnsName",
                "healthStatus",
                "riskScore",
                "lastIpAddress",
                "lastSeen",
            )
        }
        for m in answer.get("value", [])
    ]
    return {"hostname": hostname, "machines": machines}


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Get a token and read at most one machine (checks Machine.Read.All)."""
    answer = await _api(ctx, "GET", "/api/machines", params={"$top": 1})
    return {"ok": True, "machines_visible": len(answer.get("value", []))}
