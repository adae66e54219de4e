"""Wazuh active response: block an IP, isolate a host or kill a process on agents.

Commands go through the Wazuh server API (``PUT /active-response?agents_list=...``) with a JWT
from ``POST /security/user/authenticate``. A command starting with ``!`` names a script in the
agent's ``active-response/bin`` folder. Wazuh ships ``firewall-drop`` (Linux) and ``netsh.exe``
(Windows); isolating a host or killing a process needs a script of your own deployed on the
agents (the defaults here are ``!isolate-host`` and ``!kill-process``). Scripts read the
``arguments`` and the ``alert`` sent here from the JSON message on their standard input.

Agents must always be listed: an empty ``agents_list`` would mean *every* agent to Wazuh.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pydantic import Field, IPvAnyAddress

from threatflow.apps.builtin._netcommon import (
    base_url,
    json_of,
    params_problem,
    tokens,
    vendor_error,
    with_bearer,
)
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import HttpError

app = App(
    "wazuh_response",
    title="Wazuh active response",
    category=Category.ERADICATION,
    description="Block IPs, isolate hosts and kill processes on Wazuh agents.",
    docs_url="https://documentation.wazuh.com/current/user-manual/capabilities/active-response/",
    credential_fields=[
        CredentialField("url", title="API URL", description="e.g. https://wazuh.example:55000"),
        CredentialField("username", title="API user"),
        CredentialField("password", secret=True),
    ],
)

DEFAULT_TOKEN_SECONDS = 900.0  # the server's auth_token_exp_timeout default
_COMMAND = r"^!?[A-Za-z0-9_.\-]{1,64}$"


def _agents() -> Any:
    return Field(min_length=1, max_length=500, description="Agent IDs such as 001 (required)")


def _agent_list(agent_ids: list[str]) -> str:
    if not all(agent.isdigit() for agent in agent_ids):
        raise params_problem("agent_ids", "agent IDs are digits, such as 001")
    return ",".join(agent.zfill(3) for agent in agent_ids)


def _jwt_seconds(token: str) -> float:
    """Seconds until the token's ``exp`` claim, read without verifying the signature."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        issued, expires = float(claims["iat"]), float(claims["exp"])
    except (IndexError, KeyError, TypeError, ValueError):
        return DEFAULT_TOKEN_SECONDS
    return max(expires - issued, 0.0)


async def _request(ctx: ActionContext, method: str, url: str, **kwargs: Any) -> Any:
    """One call; Wazuh's errors carry a numeric ``error`` code, so their message is built
    from ``title`` and ``detail`` here rather than by the generic client."""
    response = await ctx.http.request(method, url, raise_for_status=False, **kwargs)
    answer = json_of(response) if response.content else {}
    if response.status_code >= 400:
        answer = answer if isinstance(answer, dict) else {}
        reason = ": ".join(str(answer[k]) for k in ("title", "detail") if answer.get(k))
        path = response.request.url.path
        raise HttpError(
            response.status_code, reason or response.reason_phrase, method=method, url=path
        )
    return answer


async def _authenticate(ctx: ActionContext) -> tuple[str, float]:
    auth = (str(ctx.credential("username")), str(ctx.credential("password")))
    url = f"{base_url(ctx, 'url')}/security/user/authenticate"
    data = (await _request(ctx, "POST", url, auth=auth)).get("data") or {}
    token = str(data.get("token") or "")
    return token, _jwt_seconds(token)


async def _api(ctx: ActionContext, method: str, path: str, **kwargs: Any) -> Any:
    root = base_url(ctx, "url")
    key = tokens.key(
        root, str(ctx.credentials.get("username")), str(ctx.credentials.get("password"))
    )

    async def call(token: str) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        return await _request(ctx, method, f"{root}{path}", headers=headers, **kwargs)

    return await with_bearer(key, lambda: _authenticate(ctx), call)


async def run_active_response(
    ctx: ActionContext,
    agent_ids: list[str],
    command: str,
    arguments: list[str],
    alert_data: dict[str, Any],
) -> dict[str, Any]:
    """Send one command; fails only when no agent accepted it, otherwise lists the failures."""
    body = {"command": command, "arguments": arguments, "alert": {"data": alert_data}}
    params = {"agents_list": _agent_list(agent_ids), "wait_for_complete": "true"}
    answer = await _api(ctx, "PUT", "/active-response", params=params, json=body)
    data = answer.get("data") or {}
    failed = [
        {"agents": item.get("id", []), "error": (item.get("error") or {}).get("message")}
        for item in data.get("failed_items") or []
    ]
    affected = list(data.get("affected_items") or [])
    if not affected:
        raise vendor_error(f"no agent accepted {command}: {answer.get('message')}", failed=failed)
    return {"command": command, "affected_agents": affected, "failed": failed}


@app.action(title="Block IP on agents")
async def block_ip(
    ctx: ActionContext,
    agent_ids: list[str] = _agents(),
    ip: IPvAnyAddress = Field(description="Address to drop on the agents"),
    command: str = Field(
        default="!firewall-drop", pattern=_COMMAND, description="!netsh.exe for Windows agents"
    ),
) -> dict[str, Any]:
    """Drop traffic from ``ip`` on each agent with the firewall-drop script."""
    if ip.is_loopback or ip.is_unspecified:
        raise params_problem("ip", f"refusing to block {ip}")
    return await run_active_response(ctx, agent_ids, command, [], {"srcip": str(ip)})


@app.action(title="Isolate host")
async def isolate_host(
    ctx: ActionContext,
    agent_ids: list[str] = _agents(),
    command: str = Field(default="!isolate-host", pattern=_COMMAND),
    arguments: list[str] | None = None,
    reason: str = Field(default="", max_length=500),
) -> dict[str, Any]:
    """Run the host isolation script deployed on the agents."""
    alert = {"reason": reason} if reason else {}
    return await run_active_response(ctx, agent_ids, command, arguments or [], alert)


@app.action(title="Kill process")
async def kill_process(
    ctx: ActionContext,
    agent_ids: list[str] = _agents(),
    pid: int = Field(ge=1, le=2**32),
    process_name: str = Field(default="", max_length=255),
    command: str = Field(default="!kill-process", pattern=_COMMAND),
) -> dict[str, Any]:
    """Run the process-killing script with the PID (argument and ``alert.data.pid``)."""
    alert: dict[str, Any] = {"pid": pid}
    if process_name:
        alert["process"] = process_name
    return await run_active_response(ctx, agent_ids, command, [str(pid)], alert)


@app.action(title="Run active-response command")
async def run_command(
    ctx: ActionContext,
    agent_ids: list[str] = _agents(),
    command: str = Field(pattern=_COMMAND),
    arguments: list[str] | None = None,
    alert_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run any active-response command (a name from ossec.conf, or ``!script``)."""
    return await run_active_response(ctx, agent_ids, command, arguments or [], alert_data or {})


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Authenticate and read the API's basic information."""
    answer = await _api(ctx, "GET", "/")
    info = answer.get("data") or answer
    return {"ok": True, "api_version": info.get("api_version"), "hostname": info.get("hostname")}
