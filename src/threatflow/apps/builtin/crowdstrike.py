"""CrowdStrike Falcon: network-contain hosts and lift containment, find hosts.

Authenticates with an API client (OAuth2 client credentials, ``POST /oauth2/token``); the
token is cached until shortly before it expires and renewed once if Falcon rejects it. The API
client needs the *Hosts: read* and *Hosts: write* scopes.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from threatflow.apps.builtin._netcommon import (
    base_url,
    json_of,
    tokens,
    vendor_error,
    with_bearer,
)
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "crowdstrike",
    title="CrowdStrike Falcon",
    category=Category.ERADICATION,
    description="Contain and release hosts with CrowdStrike Falcon.",
    docs_url="https://falcon.crowdstrike.com/documentation/page/d3c84a1b/hosts-api",
    credential_fields=[
        CredentialField(
            "base_url",
            required=False,
            default="https://api.crowdstrike.com",
            description="Cloud API URL: api.crowdstrike.com, api.us-2.crowdstrike.com, "
            "api.eu-1.crowdstrike.com, api.laggar.gcw.crowdstrike.com",
        ),
        CredentialField("client_id"),
        CredentialField("client_secret", secret=True),
        CredentialField("member_cid", required=False, description="Child CID (Flight Control)"),
    ],
)

_DEVICE_ID = r"^[0-9a-f]{32}$"


def _root(ctx: ActionContext) -> str:
    return base_url(ctx) if ctx.credentials.get("base_url") else "https://api.crowdstrike.com"


def _token_key(ctx: ActionContext) -> str:
    creds = ctx.credentials
    return tokens.key(
        _root(ctx),
        str(creds.get("client_id")),
        str(creds.get("client_secret")),
        str(creds.get("member_cid") or ""),
    )


async def _fetch_token(ctx: ActionContext) -> tuple[str, float]:
    form = {
        "client_id": str(ctx.credential("client_id")),
        "client_secret": str(ctx.credential("client_secret")),
    }
    if ctx.credentials.get("member_cid"):
        form["member_cid"] = str(ctx.credentials["member_cid"])
    answer = json_of(await ctx.http.post(f"{_root(ctx)}/oauth2/token", data=form))
    return str(answer.get("access_token") or ""), float(answer.get("expires_in") or 0)


async def _api(ctx: ActionContext, method: str, path: str, **kwargs: Any) -> Any:
    async def call(token: str) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        url = f"{_root(ctx)}{path}"
        return json_of(await ctx.http.request(method, url, headers=headers, **kwargs))

    answer = await with_bearer(_token_key(ctx), lambda: _fetch_token(ctx), call)
    errors = answer.get("errors") or []
    if errors:
        raise vendor_error(f"Falcon reported: {errors[0].get('message')}", errors=errors)
    return answer


async def _device_action(ctx: ActionContext, action_name: str, device_id: str) -> dict[str, Any]:
    answer = await _api(
        ctx,
        "POST",
        "/devices/entities/devices-actions/v2",
        params={"action_name": action_name},
        json={"ids": [device_id]},
    )
    resources = answer.get("resources") or [{}]
    return {"device_id": resources[0].get("id", device_id), "action": action_name, "accepted": True}


@app.action(title="Contain host")
async def contain_host(
    ctx: ActionContext, device_id: str = Field(pattern=_DEVICE_ID, description="Falcon host ID")
) -> dict[str, Any]:
    """Network-contain a host: only the Falcon cloud stays reachable."""
    return await _device_action(ctx, "contain", device_id)


@app.action(title="Lift containment")
async def lift_containment(
    ctx: ActionContext, device_id: str = Field(pattern=_DEVICE_ID, description="Falcon host ID")
) -> dict[str, Any]:
    """Give a contained host its network back."""
    return await _device_action(ctx, "lift_containment", device_id)


@app.action(title="Find host")
async def find_host(
    ctx: ActionContext,
    hostname: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,255}$"),
    limit: int = Field(default=10, ge=1, le=100),
) -> dict[str, Any]:
    """Host IDs whose hostname matches exactly (FQL ``hostname:'NAME'``)."""
    params = {"filter": f"hostname:'{hostname}'", "limit": limit}
    answer = await _api(ctx, "GET", "/devices/queries/devices/v1", params=params)
    return {"hostname": hostname, "device_ids": answer.get("resources") or []}


@app.action(title="Get host")
async def get_host(
    ctx: ActionContext, device_id: str = Field(pattern=_DEVICE_ID)
) -> dict[str, Any]:
    """A host's details, including its containment ``status`` (normal, contained...)."""
    answer = await _api(ctx, "GET", "/devices/entities/devices/v2", params={"ids": device_id})
    resources = answer.get("resources") or []
    if not resources:
        raise vendor_error(f"Falcon has no host {device_id}")
    host = resources[0]
    keys = (
        "device_id",
        "hostname",
        "status",
        "platform_name",
        "os_version",
        "local_ip",
        "external_ip",
        "last_seen",
    )
    return {key: host.get(key) for key in keys}


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Get a token and list one host ID (checks the Hosts: read scope)."""
    answer = await _api(ctx, "GET", "/devices/queries/devices/v1", params={"limit": 1})
    total = ((answer.get("meta") or {}).get("pagination") or {}).get("total")
    return {"ok": True, "hosts": total}
