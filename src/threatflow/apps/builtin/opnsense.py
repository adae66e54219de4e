"""OPNsense: block and unblock addresses through a firewall alias.

Create the alias once (type Host(s), Network(s) or External) and reference it in a block
rule; the actions then add and remove entries with the ``alias_util`` API, which updates the
live pf table and, for Host and Network aliases, the saved alias content. Blocking is
idempotent: an address already in the alias answers ``{"changed": false}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, IPvAnyNetwork

from threatflow.apps.builtin._netcommon import (
    IPNetwork,
    address_text,
    base_url,
    blockable,
    json_of,
    same_target,
    vendor_error,
)
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField

app = App(
    "opnsense",
    title="OPNsense",
    category=Category.NETWORK,
    description="Block IP addresses and networks with an OPNsense firewall alias.",
    docs_url="https://docs.opnsense.org/development/api/core/firewall.html",
    credential_fields=[
        CredentialField("base_url", description="https://FIREWALL (the web GUI address)"),
        CredentialField("api_key", description="Key of an API key pair (System > Access > Users)"),
        CredentialField("api_secret", secret=True),
        CredentialField(
            "alias", required=False, default="threatflow_block", description="Default alias"
        ),
    ],
)


def _alias_param() -> Any:
    return Field(
        default="",
        pattern=r"^([A-Za-z0-9_]{1,32})?$",
        description="Alias name; empty uses the credential's alias",
    )


def _alias(ctx: ActionContext, alias: str) -> str:
    return alias or str(ctx.credentials.get("alias") or "threatflow_block")


def _auth(ctx: ActionContext) -> tuple[str, str]:
    return (str(ctx.credential("api_key")), str(ctx.credential("api_secret")))


async def _entries(ctx: ActionContext, alias: str) -> list[str]:
    url = f"{base_url(ctx)}/api/firewall/alias_util/list/{alias}"
    listing = json_of(await ctx.http.get(url, auth=_auth(ctx)))
    rows = listing.get("rows", []) if isinstance(listing, dict) else listing
    return [str(row.get("ip", "")) if isinstance(row, dict) else str(row) for row in rows]


async def _change(ctx: ActionContext, verb: str, alias: str, network: IPNetwork) -> None:
    url = f"{base_url(ctx)}/api/firewall/alias_util/{verb}/{alias}"
    answer = json_of(
        await ctx.http.post(url, json={"address": address_text(network)}, auth=_auth(ctx))
    )
    if answer.get("status") != "done":
        reason = answer.get("status_msg") or answer.get("status") or "no status"
        raise vendor_error(f"OPNsense refused to {verb} {network} in {alias}: {reason}")


async def _apply(ctx: ActionContext) -> bool:
    url = f"{base_url(ctx)}/api/firewall/alias/reconfigure"
    answer = json_of(await ctx.http.post(url, json={}, auth=_auth(ctx)))
    if str(answer.get("status", "")).strip().lower() != "ok":
        raise vendor_error(f"alias reconfigure failed: {answer.get('status')!r}")
    return True


async def _set_blocked(
    ctx: ActionContext, ip: IPNetwork, alias: str, apply: bool, wanted: bool
) -> dict[str, Any]:
    network = blockable(ip)
    name = _alias(ctx, alias)
    present = any(same_target(entry, network) for entry in await _entries(ctx, name))
    result: dict[str, Any] = {"ip": address_text(network), "alias": name}
    if present is wanted:
        return {**result, "changed": False}
    await _change(ctx, "add" if wanted else "delete", name, network)
    applied = await _apply(ctx) if apply else False
    return {**result, "changed": True, "applied": applied}


@app.action(title="Block IP")
async def block_ip(
    ctx: ActionContext,
    ip: IPvAnyNetwork = Field(description="Address or network (1.2.3.4, 10.0.0.0/24)"),
    alias: str = _alias_param(),
    apply: bool = Field(default=True, description="Reload aliases after the change"),
) -> dict[str, Any]:
    """Add an address to the block alias; no change when it is already there."""
    return await _set_blocked(ctx, ip, alias, apply, wanted=True)


@app.action(title="Unblock IP")
async def unblock_ip(
    ctx: ActionContext,
    ip: IPvAnyNetwork = Field(description="Address or network to remove"),
    alias: str = _alias_param(),
    apply: bool = True,
) -> dict[str, Any]:
    """Remove an address from the block alias; no change when it is not there."""
    return await _set_blocked(ctx, ip, alias, apply, wanted=False)


@app.action(title="List blocked")
async def list_blocked(ctx: ActionContext, alias: str = _alias_param()) -> dict[str, Any]:
    """The addresses currently in the alias's pf table."""
    name = _alias(ctx, alias)
    entries = await _entries(ctx, name)
    return {"alias": name, "count": len(entries), "addresses": entries}


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the key pair and whether the default alias exists as a pf table."""
    url = f"{base_url(ctx)}/api/firewall/alias_util/aliases"
    tables = json_of(await ctx.http.get(url, auth=_auth(ctx)))
    name = _alias(ctx, "")
    return {"ok": True, "alias": name, "alias_exists": name in (tables or [])}
