"""pfSense: block and unblock addresses in a firewall alias with the pfrest REST API v2.

Needs the ``pfSense-pkg-RESTAPI`` package (pfrest.org) and an API key. Create a Host or Network
alias once and reference it in a block rule; the actions read the alias, add or remove one
entry (its description kept in step), write it back and apply the firewall changes.
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
    params_problem,
    same_target,
)
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "pfsense",
    title="pfSense",
    category=Category.NETWORK,
    description="Block IP addresses and networks with a pfSense alias (pfrest REST API v2).",
    docs_url="https://pfrest.org/api-docs/",
    credential_fields=[
        CredentialField("base_url", description="https://FIREWALL"),
        CredentialField("api_key", secret=True, description="REST API key (X-API-Key)"),
        CredentialField(
            "alias", required=False, default="threatflow_block", description="Default alias"
        ),
    ],
)


def _alias_param() -> Any:
    return Field(
        default="",
        pattern=r"^([A-Za-z0-9_]{1,31})?$",
        description="Alias name; empty uses the credential's alias",
    )


def _headers(ctx: ActionContext) -> dict[str, str]:
    return {"X-API-Key": str(ctx.credential("api_key")), "Accept": "application/json"}


async def _find_alias(ctx: ActionContext, alias: str) -> dict[str, Any]:
    name = alias or str(ctx.credentials.get("alias") or "threatflow_block")
    url = f"{base_url(ctx)}/api/v2/firewall/aliases"
    found = json_of(await ctx.http.get(url, params={"name": name}, headers=_headers(ctx)))
    matches = [item for item in found.get("data") or [] if item.get("name") == name]
    if not matches:
        raise ActionError(f"pfSense has no alias named {name!r}", error_type="not_found")
    return dict(matches[0])


def _entry(alias: dict[str, Any], network: IPNetwork) -> str:
    kind = alias.get("type")
    if kind == "network":
        return str(network)
    if kind == "host" and network.prefixlen == network.max_prefixlen:
        return address_text(network)
    if kind == "host":
        raise params_problem("ip", f"alias {alias.get('name')!r} holds hosts, not networks")
    raise params_problem("alias", f"alias {alias.get('name')!r} is of type {kind!r}")


async def _write(ctx: ActionContext, alias: dict[str, Any], apply: bool) -> bool:
    patch = {"id": alias["id"], "address": alias["address"], "detail": alias["detail"]}
    url = f"{base_url(ctx)}/api/v2/firewall/alias"
    await ctx.http.patch(url, json=patch, headers=_headers(ctx))
    if not apply:
        return False
    answer = json_of(
        await ctx.http.post(
            f"{base_url(ctx)}/api/v2/firewall/apply", json={}, headers=_headers(ctx)
        )
    )
    return bool((answer.get("data") or {}).get("applied", True))


async def _set_blocked(
    ctx: ActionContext, ip: IPNetwork, alias: str, apply: bool, comment: str, wanted: bool
) -> dict[str, Any]:
    network = blockable(ip)
    found = await _find_alias(ctx, alias)
    addresses = [str(a) for a in found.get("address") or []]
    details = [str(d) for d in found.get("detail") or []]
    details += [""] * (len(addresses) - len(details))
    hits = [i for i, entry in enumerate(addresses) if same_target(entry, network)]
    result: dict[str, Any] = {"ip": address_text(network), "alias": found.get("name")}
    if bool(hits) is wanted:
        return {**result, "changed": False}
    if wanted:
        addresses.append(_entry(found, network))
        details.append(comment)
    else:
        addresses = [a for i, a in enumerate(addresses) if i not in hits]
        details = [d for i, d in enumerate(details) if i not in hits]
    found.update(address=addresses, detail=details[: len(addresses)])
    return {**result, "changed": True, "applied": await _write(ctx, found, apply)}


@app.action(title="Block IP")
async def block_ip(
    ctx: ActionContext,
    ip: IPvAnyNetwork = Field(description="Address or network (1.2.3.4, 10.0.0.0/24)"),
    alias: str = _alias_param(),
    comment: str = Field(default="blocked by Threatflow", max_length=200),
    apply: bool = True,
) -> dict[str, Any]:
    """Add an address to the alias and apply; no change when it is already there."""
    return await _set_blocked(ctx, ip, alias, apply, comment, wanted=True)


@app.action(title="Unblock IP")
async def unblock_ip(
    ctx: ActionContext,
    ip: IPvAnyNetwork = Field(description="Address or network to remove"),
    alias: str = _alias_param(),
    apply: bool = True,
) -> dict[str, Any]:
    """Remove an address from the alias and apply; no change when it is not there."""
    return await _set_blocked(ctx, ip, alias, apply, "", wanted=False)


@app.action(title="List blocked")
async def list_blocked(ctx: ActionContext, alias: str = _alias_param()) -> dict[str, Any]:
    """The alias's entries with their descriptions."""
    found = await _find_alias(ctx, alias)
    addresses = found.get("address") or []
    details = found.get("detail") or []
    entries = [
        {"address": a, "detail": details[i] if i < len(details) else ""}
        for i, a in enumerate(addresses)
    ]
    return {"alias": found.get("name"), "type": found.get("type"), "entries": entries}


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Check the API key by reading the default alias."""
    found = await _find_alias(ctx, "")
    return {"ok": True, "alias": found.get("name"), "entries": len(found.get("address") or [])}
