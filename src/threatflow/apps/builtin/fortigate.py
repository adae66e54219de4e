"""FortiGate: block IPs, networks and domains with address objects in an address group.

Each blocked target becomes an address object (``tf-203.0.113.7``, ``tf-10.0.0.0_24``,
``tf-evil.example``) that is made a member of a group referenced by a deny policy (IPv6
addresses go to ``address6`` / ``addrgrp6``). FortiOS answers a create of an existing object
with HTTP 500 (424 on some builds) and error ``-5``; that is not a failure here, it only
means the object was already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field, IPvAnyNetwork

from threatflow.apps.builtin._netcommon import (
    IPNetwork,
    address_text,
    base_url,
    blockable,
    json_of,
    setting,
)
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import HttpError

app = App(
    "fortigate",
    title="FortiGate",
    category=Category.NETWORK,
    description="Block IPs, networks and domains with FortiGate address objects and groups.",
    docs_url="https://docs.fortinet.com/document/fortigate/latest/administration-guide/"
    "940602/using-apis",
    credential_fields=[
        CredentialField("base_url", description="https://FORTIGATE[:port]"),
        CredentialField("api_token", secret=True, description="REST API administrator token"),
        CredentialField("vdom", required=False, default="root"),
        CredentialField("address_group", required=False, default="threatflow_block"),
        CredentialField("address_group6", required=False, default="threatflow_block6"),
        CredentialField("name_prefix", required=False, default="tf-"),
    ],
)

EXISTS = -5  # FortiOS: "a duplicate entry already exists"
IN_USE = -23  # FortiOS: the entry is still referenced elsewhere
# Rust regex in pydantic-core has no look-ahead: the 253-character cap is a max_length.
_DOMAIN = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"


def _group_param() -> Any:
    return Field(default="", pattern=r"^[\w.\- ]{0,79}$", description="Empty: credential's")


def _api(ctx: ActionContext, path: str) -> str:
    return f"{base_url(ctx)}/api/v2/{path}"


def _options(ctx: ActionContext) -> dict[str, Any]:
    return {
        "headers": {"Authorization": f"Bearer {ctx.credential('api_token')}"},
        "params": {"vdom": setting(ctx, "vdom", "root")},
        "raise_for_status": False,
    }


def _fortios_error(response: httpx.Response) -> int | None:
    try:
        code = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None


def _fail(response: httpx.Response) -> HttpError:
    code = _fortios_error(response)
    detail = f"FortiOS error {code}" if code is not None else response.text[:300]
    request = response.request
    return HttpError(response.status_code, detail, method=request.method, url=request.url.path)


async def _send(ctx: ActionContext, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return await ctx.http.request(method, _api(ctx, path), **_options(ctx), **kwargs)


async def _create(ctx: ActionContext, table: str, body: dict[str, Any]) -> bool:
    response = await _send(ctx, "POST", f"cmdb/firewall/{table}", json=body)
    if response.is_success:
        return True
    if response.status_code in (424, 500) and _fortios_error(response) == EXISTS:
        return False
    raise _fail(response)


async def _members(ctx: ActionContext, group_table: str, group: str) -> set[str]:
    response = await _send(ctx, "GET", f"cmdb/firewall/{group_table}/{quote(group, safe='')}")
    if not response.is_success:
        raise _fail(response)
    results = json_of(response).get("results") or [{}]
    return {str(member.get("name")) for member in results[0].get("member") or []}


async def _add_member(ctx: ActionContext, group_table: str, group: str, name: str) -> None:
    path = f"cmdb/firewall/{group_table}/{quote(group, safe='')}/member"
    response = await _send(ctx, "POST", path, json={"name": name})
    if not response.is_success and _fortios_error(response) != EXISTS:
        raise _fail(response)


async def _delete(ctx: ActionContext, path: str) -> bool:
    """Delete one object; False when it was absent or is still used by another object."""
    response = await _send(ctx, "DELETE", path)
    if response.is_success:
        return True
    if response.status_code == 404 or _fortios_error(response) == IN_USE:
        return False
    raise _fail(response)


@dataclass(frozen=True, slots=True)
class _Target:
    """Where a block target lives: its object table, group table, group and object body."""

    table: str
    group_table: str
    group: str
    body: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.body["name"])

    def member_path(self) -> str:
        group, name = quote(self.group, safe=""), quote(self.name, safe="")
        return f"cmdb/firewall/{self.group_table}/{group}/member/{name}"


def _ip_target(ctx: ActionContext, network: IPNetwork, group: str) -> _Target:
    name = setting(ctx, "name_prefix", "tf-") + address_text(network).replace("/", "_")
    if network.version == 4:
        group = group or setting(ctx, "address_group", "threatflow_block")
        body = {"name": name, "type": "ipmask", "subnet": str(network)}
        return _Target("address", "addrgrp", group, body)
    group = group or setting(ctx, "address_group6", "threatflow_block6")
    return _Target("address6", "addrgrp6", group, {"name": name, "ip6": str(network)})


def _domain_target(ctx: ActionContext, domain: str, group: str) -> _Target:
    name = setting(ctx, "name_prefix", "tf-") + domain.lower()
    group = group or setting(ctx, "address_group", "threatflow_block")
    return _Target(
        "address", "addrgrp", group, {"name": name, "type": "fqdn", "fqdn": domain.lower()}
    )


async def _block(ctx: ActionContext, target: _Target, comment: str) -> dict[str, Any]:
    created = await _create(ctx, target.table, {**target.body, "comment": comment})
    already = target.name in await _members(ctx, target.group_table, target.group)
    if not already:
        await _add_member(ctx, target.group_table, target.group, target.name)
    changed = created or not already
    return {"object": target.name, "group": target.group, "changed": changed, "created": created}


async def _unblock(ctx: ActionContext, target: _Target) -> dict[str, Any]:
    removed = await _delete(ctx, target.member_path())
    deleted = await _delete(ctx, f"cmdb/firewall/{target.table}/{quote(target.name, safe='')}")
    return {
        "object": target.name,
        "group": target.group,
        "changed": removed or deleted,
        "object_deleted": deleted,
    }


@app.action(title="Block IP")
async def block_ip(
    ctx: ActionContext,
    ip: IPvAnyNetwork = Field(description="Address or network (1.2.3.4, 10.0.0.0/24, 2001:db8::)"),
    group: str = _group_param(),
    comment: str = Field(default="blocked by Threatflow", max_length=255),
) -> dict[str, Any]:
    """Create the address object if needed and add it to the block group."""
    return await _block(ctx, _ip_target(ctx, blockable(ip), group), comment)


@app.action(title="Unblock IP")
async def unblock_ip(
    ctx: ActionContext,
    ip: IPvAnyNetwork = Field(description="Address or network"),
    group: str = _group_param(),
) -> dict[str, Any]:
    """Remove the address object from the group, then delete it unless something else uses it."""
    return await _unblock(ctx, _ip_target(ctx, blockable(ip), group))


@app.action(title="Block domain")
async def block_domain(
    ctx: ActionContext,
    domain: str = Field(pattern=_DOMAIN, max_length=253, description="Fully qualified name"),
    group: str = _group_param(),
    comment: str = Field(default="blocked by Threatflow", max_length=255),
) -> dict[str, Any]:
    """Block a domain with an FQDN address object in the (IPv4) block group."""
    return await _block(ctx, _domain_target(ctx, domain, group), comment)


@app.action(title="Unblock domain")
async def unblock_domain(
    ctx: ActionContext,
    domain: str = Field(pattern=_DOMAIN, max_length=253),
    group: str = _group_param(),
) -> dict[str, Any]:
    """Remove a domain's FQDN address object from the group and delete it."""
    return await _unblock(ctx, _domain_target(ctx, domain, group))


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the token with the system status monitor endpoint."""
    response = await _send(ctx, "GET", "monitor/system/status")
    if not response.is_success:
        raise _fail(response)
    status = json_of(response)
    results = status.get("results") or {}
    return {"ok": True, "hostname": results.get("hostname"), "version": status.get("version")}
