"""Wazuh server API: agents, agent restarts and active-response commands.

The API takes a JWT obtained with basic auth from ``POST /security/user/authenticate``; it is
cached until its ``exp`` claim (900 s by default on the server) and renewed once when the
server rejects it early, for instance after a change of its security settings. Bulk
operations answer 200 even when some agents failed; an operation that affected no agent at
all is reported as an error with the server's reasons.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
from pydantic import Field

from threatflow.apps.builtin._common import (
    TokenCache,
    base_url,
    cache_key,
    compact,
    json_of,
    jwt_lifetime,
    params_error,
)
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "wazuh",
    title="Wazuh",
    category=Category.SIEM,
    description="Wazuh server API: list and restart agents, run active-response commands.",
    docs_url="https://documentation.wazuh.com/current/user-manual/api/reference.html",
    credential_fields=[
        CredentialField("url", "API URL", description="For example https://wazuh.example:55000"),
        CredentialField("username", "API user"),
        CredentialField("password", "Password", secret=True),
    ],
)

TOKENS = TokenCache()
AGENT_ID = Field(pattern=r"^\d+$", description="Agent id such as 001")
DEFAULT_TOKEN_LIFETIME = 900.0

AgentStatus = Literal["active", "pending", "never_connected", "disconnected"]


def _agent(agent_id: str, field: str = "agent_id") -> str:
    if not agent_id.isdigit():
        raise params_error(field, f"agent id {agent_id!r} is not a number")
    # Wazuh ids are at least three digits ("001"); people type "1".
    return agent_id.zfill(3)


async def _authenticate(ctx: ActionContext) -> tuple[str, float]:
    url = f"{base_url(ctx)}/security/user/authenticate"
    auth = (str(ctx.credential("username")), str(ctx.credential("password")))
    response = await ctx.http.post(url, auth=auth)
    token = json_of(response).get("data", {}).get("token")
    if not token:
        raise ActionError("Wazuh returned no token", error_type="vendor")
    return str(token), jwt_lifetime(str(token), DEFAULT_TOKEN_LIFETIME)


async def _call(
    ctx: ActionContext, method: str, path: str, params: dict[str, Any] | None = None, **kw: Any
) -> Any:
    key = cache_key(base_url(ctx), ctx.credentials.get("username"), ctx.credentials.get("password"))

    async def send(token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        return await ctx.http.request(
            method, f"{base_url(ctx)}{path}", params=params, headers=headers, **kw
        )

    response = await TOKENS.call(key, lambda: _authenticate(ctx), send)
    return json_of(response)


def _affected(body: dict[str, Any], what: str) -> dict[str, Any]:
    """The ``data`` of a bulk answer; an error when nothing was affected but something failed."""
    data: dict[str, Any] = body.get("data", {})
    failed = data.get("failed_items") or []
    if failed and not data.get("total_affected_items"):
        reasons = "; ".join(str(item.get("error", {}).get("message")) for item in failed)
        raise ActionError(
            f"Wazuh could not {what}: {reasons}",
            error_type="vendor",
            details={"failed_items": failed},
        )
    return data


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Authenticate and read the API's basic information."""
    body = await _call(ctx, "GET", "/")
    info = body.get("data", body)
    return {"ok": True, "api_version": info.get("api_version"), "hostname": info.get("hostname")}


@app.action(title="List agents")
async def list_agents(
    ctx: ActionContext,
    status: list[AgentStatus] | None = None,
    search: str | None = None,
    query: str | None = Field(None, description="Wazuh query, e.g. os.platform=ubuntu"),
    group: str | None = None,
    name: str | None = None,
    ip: str | None = None,
    limit: int = Field(500, ge=1, le=100000),
    offset: int = Field(0, ge=0),
) -> dict[str, Any]:
    """List agents, filtered by status, group, name, IP or a Wazuh query."""
    params = compact(
        {
            "status": ",".join(status) if status else None,
            "search": search,
            "q": query,
            "group": group,
            "name": name,
            "ip": ip,
            "limit": limit,
            "offset": offset,
        }
    )
    data = (await _call(ctx, "GET", "/agents", params)).get("data", {})
    return {"total": data.get("total_affected_items", 0), "agents": data.get("affected_items", [])}


@app.action(title="Get agent")
async def get_agent(ctx: ActionContext, agent_id: str = AGENT_ID) -> dict[str, Any]:
    """Details of one agent: OS, IP, version, status, groups, last keep-alive."""
    body = await _call(ctx, "GET", "/agents", {"agents_list": _agent(agent_id)})
    items = body.get("data", {}).get("affected_items", [])
    if not items:
        raise ActionError(f"Wazuh has no agent {_agent(agent_id)}", error_type="not_found")
    return dict(items[0])


@app.action(title="Run active response")
async def run_active_response(
    ctx: ActionContext,
    command: str = Field(min_length=1, description="Command; prefix ! to run a script by name"),
    agents: list[str] = Field(min_length=1, description="Agent ids such as 001"),
    arguments: list[str] | None = None,
    alert: dict[str, Any] | None = Field(None, description="Alert data the command reads"),
) -> dict[str, Any]:
    """Run an active-response command (firewall-drop, disable-account...) on agents."""
    body: dict[str, Any] = {"command": command}
    if arguments:
        body["arguments"] = arguments
    if alert:
        body["alert"] = {"data": alert}
    params = {"agents_list": ",".join(_agent(a, "agents") for a in agents)}
    answer = await _call(ctx, "PUT", "/active-response", params, json=body)
    data = _affected(answer, f"run {command!r}")
    return {"message": answer.get("message"), **data}


@app.action(title="Restart agent")
async def restart_agent(ctx: ActionContext, agent_id: str = AGENT_ID) -> dict[str, Any]:
    """Ask one agent to restart (it must be active)."""
    answer = await _call(ctx, "PUT", f"/agents/{_agent(agent_id)}/restart")
    data = _affected(answer, f"restart agent {_agent(agent_id)}")
    return {"message": answer.get("message"), **data}
