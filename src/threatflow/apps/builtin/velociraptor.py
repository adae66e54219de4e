"""Velociraptor: collect artifacts from a client and start hunts, through the GUI's API gateway.

Velociraptor's own API is gRPC with mutual TLS (an ``api_client`` config). Its web GUI talks
to the same methods through a JSON gateway under ``/api/v1/`` (``CollectArtifact``,
``CreateHunt``, ``SearchClients``...), authenticated like the GUI. This app uses that gateway
with the *Basic* authenticator: reads need only the login; writes also need the CSRF token that
the GUI page ``/app/index.html`` embeds, sent back with the CSRF cookie set beside it.
"""

from __future__ import annotations

import re
import time
from typing import Any, Literal

from pydantic import Field

from threatflow.apps.builtin._netcommon import base_url, json_of, vendor_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "velociraptor",
    title="Velociraptor",
    category=Category.ERADICATION,
    description="Collect artifacts and start hunts on Velociraptor (GUI API, basic auth).",
    docs_url="https://docs.velociraptor.app/docs/server_automation/server_api/",
    credential_fields=[
        CredentialField("base_url", description="GUI URL, e.g. https://velociraptor:8889"),
        CredentialField("username"),
        CredentialField("password", secret=True),
        CredentialField("org_id", required=False, description="Org to act in (multi-tenant)"),
    ],
)

_CLIENT_ID = r"^C\.[0-9a-f]{16}$"
_ARTIFACT = r"^[A-Za-z0-9_.]{1,200}$"
_CSRF = re.compile(r'window\.CsrfToken\s*=\s*"([^"]+)"')


def _headers(ctx: ActionContext) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if ctx.credentials.get("org_id"):
        headers["Grpc-Metadata-OrgId"] = str(ctx.credentials["org_id"])
    return headers


# TODO(velociraptor): only the Basic authenticator works; SSO authenticators (OIDC, SAML) need
# a browser session, and the mutual-TLS gRPC API needs a gRPC client (pyvelociraptor).
def _auth(ctx: ActionContext) -> tuple[str, str]:
    return (str(ctx.credential("username")), str(ctx.credential("password")))


async def _get(ctx: ActionContext, method: str, params: dict[str, Any]) -> Any:
    url = f"{base_url(ctx)}/api/v1/{method}"
    response = await ctx.http.get(url, params=params, auth=_auth(ctx), headers=_headers(ctx))
    return json_of(response)


async def _csrf(ctx: ActionContext) -> dict[str, str]:
    """Headers a state-changing call needs: the page's CSRF token and its cookie."""
    page = await ctx.http.get(f"{base_url(ctx)}/app/index.html", auth=_auth(ctx))
    found = _CSRF.search(page.text)
    cookies = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
    if not found or not cookies:
        raise vendor_error("the GUI page carried no CSRF token; is this the GUI URL?")
    return {
        "X-CSRF-Token": found.group(1),
        "Cookie": cookies,
        "Referer": f"{base_url(ctx)}/app/index.html",
    }


async def _post(ctx: ActionContext, method: str, body: dict[str, Any]) -> Any:
    headers = {**_headers(ctx), **await _csrf(ctx)}
    url = f"{base_url(ctx)}/api/v1/{method}"
    return json_of(await ctx.http.post(url, json=body, auth=_auth(ctx), headers=headers))


def _spec(artifact: str, parameters: dict[str, str] | None) -> dict[str, Any]:
    env = [{"key": key, "value": str(value)} for key, value in (parameters or {}).items()]
    return {"artifact": artifact, "parameters": {"env": env}}


@app.action(title="Collect artifact")
async def collect_artifact(
    ctx: ActionContext,
    client_id: str = Field(pattern=_CLIENT_ID, description="Client ID, e.g. C.1b2c3d4e5f6a7b8c"),
    artifact: str = Field(pattern=_ARTIFACT, description="e.g. Windows.System.Pslist"),
    parameters: dict[str, str] | None = None,
    urgent: bool = False,
    timeout_seconds: int = Field(default=600, ge=1, le=86400),
) -> dict[str, Any]:
    """Schedule an artifact collection on one client; returns the flow ID to poll."""
    body = {
        "client_id": client_id,
        "artifacts": [artifact],
        "specs": [_spec(artifact, parameters)],
        "urgent": urgent,
        "timeout": timeout_seconds,
    }
    answer = await _post(ctx, "CollectArtifact", body)
    return {"client_id": client_id, "flow_id": answer.get("flow_id"), "artifact": artifact}


@app.action(title="Start hunt")
async def start_hunt(
    ctx: ActionContext,
    artifact: str = Field(pattern=_ARTIFACT),
    description: str = Field(min_length=1, max_length=500),
    parameters: dict[str, str] | None = None,
    labels: list[str] | None = None,
    os: Literal["ALL", "WINDOWS", "LINUX", "OSX"] = "ALL",
    expires_hours: int = Field(default=168, ge=1, le=8760),
    start: bool = Field(default=True, description="False creates the hunt paused"),
) -> dict[str, Any]:
    """Create a hunt over every client (or those with ``labels`` / that ``os``)."""
    condition: dict[str, Any] = {}
    if labels:
        condition = {"labels": {"label": labels}}
    elif os != "ALL":
        condition = {"os": {"os": os}}
    expires_us = int((time.time() + expires_hours * 3600) * 1_000_000)
    body = {
        "hunt_description": description,
        "start_request": {"artifacts": [artifact], "specs": [_spec(artifact, parameters)]},
        "condition": condition,
        "expires": expires_us,
        "state": "RUNNING" if start else "PAUSED",
    }
    answer = await _post(ctx, "CreateHunt", body)
    return {"hunt_id": answer.get("flow_id"), "state": body["state"], "artifact": artifact}


@app.action(title="Find client")
async def find_client(
    ctx: ActionContext,
    hostname: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,255}$"),
    limit: int = Field(default=10, ge=1, le=100),
) -> dict[str, Any]:
    """Clients whose host name matches (``host:`` search)."""
    answer = await _get(ctx, "SearchClients", {"query": f"host:{hostname}", "limit": limit})
    clients = [
        {
            "client_id": item.get("client_id"),
            "hostname": (item.get("os_info") or {}).get("hostname"),
            "fqdn": (item.get("os_info") or {}).get("fqdn"),
            "last_seen_at": item.get("last_seen_at"),
            "labels": item.get("labels", []),
        }
        for item in answer.get("items", [])
    ]
    return {"hostname": hostname, "clients": clients}


@app.action(title="Get collection status")
async def get_flow(
    ctx: ActionContext,
    client_id: str = Field(pattern=_CLIENT_ID),
    flow_id: str = Field(pattern=r"^F\.[A-Za-z0-9]{1,40}$"),
) -> dict[str, Any]:
    """The state of a collection (RUNNING, FINISHED, ERROR...) and its row counts."""
    answer = await _get(ctx, "GetFlowDetails", {"client_id": client_id, "flow_id": flow_id})
    context = answer.get("context") or {}
    keys = (
        "state",
        "status",
        "total_collected_rows",
        "total_uploaded_files",
        "artifacts_with_results",
        "create_time",
    )
    return {"client_id": client_id, "flow_id": flow_id, **{k: context.get(k) for k in keys}}


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Log in and read the user's GUI traits."""
    traits = await _get(ctx, "GetUserUITraits", {})
    return {"ok": True, "username": traits.get("username")}
