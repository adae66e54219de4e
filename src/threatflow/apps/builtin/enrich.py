"""Local enrichment of IP addresses: no service, no GeoIP, no network access.

Each address gets a scope (global, private, shared, loopback, link_local, multicast,
documentation, reserved, unspecified), the IANA special-purpose range it falls in, and the
names of the configured networks that contain it, so a workflow can skip external lookups
for internal addresses or raise the risk of a hit on a crown-jewel subnet.

Named networks come from the credential field ``lists`` (JSON, set once per installation)
and from the ``lists`` parameter of each call; the parameter wins on equal names.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from typing import Any

from pydantic import Field

from threatflow.apps.builtin._common import params_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

app = App(
    "enrich",
    title="Local IP enrichment",
    category=Category.INTELLIGENCE,
    description="Classify IP addresses (private, reserved, global...) and match named networks.",
    credential_fields=[
        CredentialField(
            "lists",
            "Named networks",
            required=False,
            description='JSON object of CIDR lists, e.g. {"internal": ["10.0.0.0/8"]}',
        )
    ],
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IANA special-purpose registries (RFC 6890 and updates), most specific ranges first.
_SPECIAL: list[tuple[str, str, str]] = [
    ("0.0.0.0/8", "reserved", "this network (RFC 791)"),
    ("10.0.0.0/8", "private", "private-use (RFC 1918)"),
    ("100.64.0.0/10", "shared", "shared address space / CGNAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link_local", "link-local (RFC 3927)"),
    ("172.16.0.0/12", "private", "private-use (RFC 1918)"),
    ("192.0.0.0/24", "reserved", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation", "TEST-NET-1 (RFC 5737)"),
    ("192.88.99.0/24", "reserved", "6to4 relay anycast (RFC 7526)"),
    ("192.168.0.0/16", "private", "private-use (RFC 1918)"),
    ("198.18.0.0/15", "reserved", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation", "TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation", "TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast", "multicast (RFC 5771)"),
    ("255.255.255.255/32", "reserved", "limited broadcast (RFC 919)"),
    ("240.0.0.0/4", "reserved", "reserved for future use (RFC 1112)"),
    ("::/128", "unspecified", "unspecified address (RFC 4291)"),
    ("::1/128", "loopback", "loopback (RFC 4291)"),
    ("64:ff9b::/96", "reserved", "IPv4/IPv6 translation (RFC 6052)"),
    ("100::/64", "reserved", "discard-only (RFC 6666)"),
    ("2001:db8::/32", "documentation", "documentation (RFC 3849)"),
    ("2002::/16", "reserved", "6to4 (RFC 3056)"),
    ("fc00::/7", "private", "unique local (RFC 4193)"),
    ("fe80::/10", "link_local", "link-local unicast (RFC 4291)"),
    ("ff00::/8", "multicast", "multicast (RFC 4291)"),
]
SPECIAL = [(ipaddress.ip_network(cidr), scope, name) for cidr, scope, name in _SPECIAL]


def _networks(raw: dict[str, list[str]]) -> dict[str, list[Network]]:
    parsed: dict[str, list[Network]] = {}
    for name, cidrs in raw.items():
        try:
            parsed[name] = [ipaddress.ip_network(c.strip(), strict=False) for c in cidrs]
        except ValueError as exc:
            raise params_error("lists", f"network list {name!r}: {exc}") from None
    return parsed


def _configured(ctx: ActionContext, given: dict[str, list[str]] | None) -> dict[str, list[Network]]:
    raw = ctx.credentials.get("lists") or "{}"
    try:
        stored = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except ValueError as exc:
        raise ActionError(
            f"credential field 'lists' is not JSON: {exc}", error_type="credential"
        ) from None
    return _networks({**stored, **(given or {})})


def _special(address: Address) -> tuple[str, str, str]:
    for network, scope, name in SPECIAL:
        if address.version == network.version and address in network:
            return scope, str(network), name
    return ("global", "", "") if address.is_global else ("reserved", "", "")


def classify(text: str, networks: dict[str, list[Network]] | None = None) -> dict[str, Any]:
    """Everything this module knows about one address, or ``valid: false``."""
    try:
        address: Address = ipaddress.ip_address(text.strip())
    except ValueError:
        return {"ip": text, "valid": False}
    mapped = getattr(address, "ipv4_mapped", None)
    subject: Address = mapped or address  # ::ffff:10.0.0.1 behaves as 10.0.0.1
    scope, cidr, name = _special(subject)
    return {
        "ip": str(address),
        "valid": True,
        "version": address.version,
        "scope": scope,
        "range": cidr,
        "range_name": name,
        # Public unicast: the stdlib also calls multicast addresses global.
        "is_global": scope == "global",
        "is_private": subject.is_private,
        "is_loopback": subject.is_loopback,
        "is_link_local": subject.is_link_local,
        "is_multicast": subject.is_multicast,
        "is_reserved": subject.is_reserved,
        "ipv4_mapped": str(mapped) if mapped else None,
        "lists": _member_of(subject, networks or {}),
    }


def _member_of(address: Address, networks: dict[str, list[Network]]) -> list[str]:
    return sorted(name for name, nets in networks.items() if any(address in n for n in nets))


@app.action(title="Classify IP")
async def classify_ip(
    ctx: ActionContext,
    ip: str = Field(min_length=1),
    lists: dict[str, list[str]] | None = Field(None, description="Extra named CIDR lists"),
) -> dict[str, Any]:
    """Scope, special-purpose range and named-network membership of one address."""
    result = classify(ip, _configured(ctx, lists))
    if not result["valid"]:
        raise params_error("ip", f"{ip!r} is not an IP address")
    return result


@app.action(title="Classify IPs")
async def classify_ips(
    ctx: ActionContext,
    ips: list[str] = Field(description="Addresses; invalid entries are reported, not fatal"),
    lists: dict[str, list[str]] | None = Field(None, description="Extra named CIDR lists"),
) -> dict[str, Any]:
    """Classify many addresses; also lists the global ones worth an external lookup."""
    networks = _configured(ctx, lists)
    results = [classify(ip, networks) for ip in ips]
    scopes = Counter(r.get("scope", "invalid") for r in results)
    global_ips = list(dict.fromkeys(r["ip"] for r in results if r.get("scope") == "global"))
    return {"results": results, "counts": dict(scopes), "global_ips": global_ips}
