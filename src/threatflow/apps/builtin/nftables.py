"""A Linux host's nftables firewall, driven over SSH: block and unblock addresses in a set.

Prepare the host once, for example::

    nft add table inet filter
    nft add set inet filter blocklist '{ type ipv4_addr; flags interval, timeout; }'
    nft add set inet filter blocklist6 '{ type ipv6_addr; flags interval, timeout; }'
    nft add rule inet filter input ip saddr @blocklist drop
    nft add rule inet filter input ip6 saddr @blocklist6 drop

Addresses are validated with :mod:`ipaddress` (by the parameter schema and again here) and
every word of a command is quoted with :func:`shlex.join`; the set is read as JSON
(``nft -j list set``) so that blocking stays idempotent.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, IPvAnyNetwork

from threatflow.apps.builtin._netcommon import (
    SSH_FIELDS,
    IPNetwork,
    address_text,
    blockable,
    flag,
    run_ssh,
    setting,
    vendor_error,
)
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "nftables",
    title="Linux nftables (SSH)",
    category=Category.NETWORK,
    description="Block IP addresses in an nftables set on a Linux host reached over SSH.",
    docs_url="https://wiki.nftables.org/wiki-nftables/index.php/Sets",
    credential_fields=[
        *SSH_FIELDS,
        CredentialField("family", required=False, default="inet"),
        CredentialField("table", required=False, default="filter"),
        CredentialField("set_v4", required=False, default="blocklist"),
        CredentialField("set_v6", required=False, default="blocklist6"),
        CredentialField(
            "use_sudo", required=False, default="false", description="Prefix nft with sudo -n"
        ),
    ],
)

_FAMILIES = {"ip", "ip6", "inet", "arp", "bridge", "netdev"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
TIME_LIMIT = 30.0


@dataclass(frozen=True, slots=True)
class _NftSet:
    family: str
    table: str
    name: str

    def words(self) -> list[str]:
        return [self.family, self.table, self.name]


def _nft_set(ctx: ActionContext, version: int) -> _NftSet:
    family = setting(ctx, "family", "inet")
    table = setting(ctx, "table", "filter")
    if version == 4:
        name = setting(ctx, "set_v4", "blocklist")
    else:
        name = setting(ctx, "set_v6", "blocklist6")
    if family not in _FAMILIES or not (_NAME.match(table) and _NAME.match(name)):
        raise ActionError("nftables family, table or set name is invalid", error_type="credential")
    return _NftSet(family, table, name)


def _command(ctx: ActionContext, argv: list[str]) -> str:
    prefix = ["sudo", "-n"] if flag(ctx.credentials.get("use_sudo")) else []
    return shlex.join(prefix + argv)


async def _nft(ctx: ActionContext, argv: list[str]) -> str:
    result = await run_ssh(ctx, _command(ctx, ["nft", *argv]), time_limit=TIME_LIMIT)
    if result.exit_status != 0:
        raise vendor_error(
            f"nft {argv[0]} failed with exit {result.exit_status}: {result.stderr.strip()[:300]}",
            exit_status=result.exit_status,
        )
    return result.stdout


def parse_set(text: str) -> list[IPNetwork]:
    """The addresses of an ``nft -j list set`` document (plain, prefix, range, with timeout)."""
    try:
        document = json.loads(text)
    except ValueError:
        raise vendor_error("nft -j list set did not print JSON") from None
    found: list[IPNetwork] = []
    for item in document.get("nftables", []):
        for element in (item.get("set") or {}).get("elem", []):
            found.extend(_networks(element))
    return found


def _networks(element: Any) -> list[IPNetwork]:
    if isinstance(element, dict) and "elem" in element:
        return _networks(element["elem"].get("val"))
    if isinstance(element, str):
        return [ipaddress.ip_network(element, strict=False)]
    if isinstance(element, dict) and "prefix" in element:
        prefix = element["prefix"]
        return [ipaddress.ip_network(f"{prefix['addr']}/{prefix['len']}", strict=False)]
    if isinstance(element, dict) and "range" in element:
        low, high = (ipaddress.ip_address(a) for a in element["range"])
        return list(ipaddress.summarize_address_range(low, high))
    return []


async def _state(ctx: ActionContext, ip: IPNetwork) -> tuple[IPNetwork, _NftSet, list[IPNetwork]]:
    network = blockable(ip)
    nft_set = _nft_set(ctx, network.version)
    current = parse_set(await _nft(ctx, ["-j", "list", "set", *nft_set.words()]))
    return network, nft_set, current


def _covering(network: IPNetwork, current: list[IPNetwork]) -> str | None:
    for entry in current:
        if entry.version == network.version and network.subnet_of(entry):  # type: ignore[arg-type]  # same version
            return str(entry)
    return None


@app.action(title="Block IP")
async def block_ip(
    ctx: ActionContext,
    ip: IPvAnyNetwork = Field(description="Address or network (1.2.3.4, 10.0.0.0/24)"),
    timeout_seconds: int = Field(default=0, ge=0, le=31536000, description="0: no expiry"),
) -> dict[str, Any]:
    """Add the address to the set; no change when the set already covers it."""
    network, nft_set, current = await _state(ctx, ip)
    result: dict[str, Any] = {"ip": address_text(network), "set": nft_set.name}
    covered_by = _covering(network, current)
    if covered_by:
        return {**result, "changed": False, "covered_by": covered_by}
    element = address_text(network)
    if timeout_seconds:
        element += f" timeout {timeout_seconds}s"
    await _nft(ctx, ["add", "element", *nft_set.words(), f"{{ {element} }}"])
    return {**result, "changed": True}


@app.action(title="Unblock IP")
async def unblock_ip(
    ctx: ActionContext, ip: IPvAnyNetwork = Field(description="Address or network to remove")
) -> dict[str, Any]:
    """Remove the address from the set; no change when it is not an element of it."""
    network, nft_set, current = await _state(ctx, ip)
    result: dict[str, Any] = {"ip": address_text(network), "set": nft_set.name}
    if network not in current:
        # A wider element may still block it; say so rather than pretend it is free.
        return {**result, "changed": False, "covered_by": _covering(network, current)}
    element = address_text(network)
    await _nft(ctx, ["delete", "element", *nft_set.words(), f"{{ {element} }}"])
    return {**result, "changed": True}


@app.action(title="List blocked")
async def list_blocked(ctx: ActionContext, version: Literal[4, 6] = 4) -> dict[str, Any]:
    """The elements of the IPv4 (or IPv6) block set."""
    nft_set = _nft_set(ctx, version)
    current = parse_set(await _nft(ctx, ["-j", "list", "set", *nft_set.words()]))
    return {"set": nft_set.name, "count": len(current), "addresses": [str(n) for n in current]}


@app.action(title="Test connection")
async def test_connection(ctx: ActionContext) -> dict[str, Any]:
    """Log in and read the IPv4 block set (checks SSH, rights and that the set exists)."""
    listed = await list_blocked(ctx, 4)
    return {"ok": True, "set": listed["set"], "elements": listed["count"]}
