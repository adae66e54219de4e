"""Asset inventory inside Threatflow: hosts with their owner, criticality and tags.

Other steps and the risk policy look assets up by IP address or hostname. An asset's ``ip``
may be one address or a network (``10.20.0.0/16`` for a segment owned by one team); a
lookup prefers an exact address, then the most specific network. Hostnames match without
case and a short name matches its FQDN (``web01`` finds ``web01.example.org``).

The inventory is a JSON or YAML file named by the credential field ``path`` (a list of
assets, or ``{"assets": [...]}``), plus any ``assets`` given inline to a call.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from threatflow.apps.builtin._common import params_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.errors import ActionError

# TODO(inventory): keep assets in the database (CRUD in the API and UI, imports from CMDBs)
# instead of a file; this file-backed version serves until the assets feature lands.

app = App(
    "inventory",
    title="Asset inventory",
    category=Category.ASSETS,
    description="Look up hosts, their owners and criticality by IP address or hostname.",
    credential_fields=[
        CredentialField(
            "path", "Inventory file", required=False, description="JSON or YAML list of assets"
        )
    ],
)

Criticality = Literal["low", "medium", "high", "critical"]
RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


class Asset(BaseModel):
    """One host (or network segment) of the inventory; extra fields are kept as given."""

    model_config = ConfigDict(extra="allow")

    hostname: str | None = None
    ip: str | None = Field(None, description="Address or CIDR network")
    owner: str | None = None
    criticality: Criticality = "medium"
    tags: list[str] = Field(default_factory=list)

    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        return ipaddress.ip_network(self.ip, strict=False) if self.ip else None


_cache: dict[str, tuple[float, list[Asset]]] = {}


def parse_assets(raw: Any, source: str) -> list[Asset]:
    """Validate a list of assets (or ``{"assets": [...]}``).

    Raises ``ValueError`` naming every bad entry, as ``source[index].field: problem``.
    """
    items = raw.get("assets", []) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ValueError(f"{source}: expected a list of assets")
    assets, problems = [], []
    for index, item in enumerate(items):
        try:
            asset = Asset.model_validate(item)
            asset.network()
            assets.append(asset)
        except ValidationError as exc:
            problems += [f"{source}[{index}].{_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]
        except ValueError as exc:
            problems.append(f"{source}[{index}].ip: {exc}")
    if problems:
        raise ValueError("; ".join(problems))
    return assets


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "asset"


def _load_file(path: Path) -> list[Asset]:
    """The assets of a file, parsed again only when its modification time changes."""
    mtime = path.stat().st_mtime
    cached = _cache.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    assets = parse_assets(raw, path.name)
    _cache[str(path)] = (mtime, assets)
    return assets


async def _from_file(ctx: ActionContext) -> list[Asset]:
    name = ctx.credentials.get("path")
    if not name:
        return []
    path = Path(str(name))
    try:
        return await asyncio.to_thread(_load_file, path)
    except OSError as exc:
        raise ActionError(
            f"inventory file {path}: {exc.strerror}", error_type="credential"
        ) from None
    except (ValueError, yaml.YAMLError) as exc:
        raise ActionError(f"inventory file {path}: {exc}", error_type="credential") from None


async def _assets(ctx: ActionContext, inline: list[dict[str, Any]] | None) -> list[Asset]:
    try:
        given = parse_assets(inline or [], "assets")
    except ValueError as exc:
        raise params_error("assets", str(exc)) from None
    return [*await _from_file(ctx), *given]


def _by_ip(assets: list[Asset], text: str) -> list[Asset]:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        raise params_error("ip", f"{text!r} is not an IP address") from None
    containing = [(a, n) for a in assets if (n := a.network()) is not None and address in n]
    if not containing:
        return []
    best = max(n.prefixlen for _, n in containing)  # exact addresses are /32 or /128
    return [a for a, n in containing if n.prefixlen == best]


def _by_hostname(assets: list[Asset], name: str) -> list[Asset]:
    wanted = name.strip().lower().rstrip(".")
    short = wanted.split(".")[0]
    exact = [a for a in assets if (a.hostname or "").lower().rstrip(".") == wanted]
    if exact or "." in wanted:
        return exact
    return [a for a in assets if (a.hostname or "").lower().split(".")[0] == short]


def _dump(assets: list[Asset]) -> list[dict[str, Any]]:
    return [a.model_dump() for a in assets]


@app.action(title="Look up asset")
async def lookup(
    ctx: ActionContext,
    ip: str | None = Field(None, description="Address to find"),
    hostname: str | None = Field(None, description="Hostname or FQDN to find"),
    assets: list[dict[str, Any]] | None = Field(None, description="Inline assets to search too"),
) -> dict[str, Any]:
    """Find the asset behind an IP address or hostname; ``criticality`` is the highest found."""
    if not ip and not hostname:
        raise params_error("ip", "give an ip or a hostname")
    pool = await _assets(ctx, assets)
    found = _by_ip(pool, ip) if ip else _by_hostname(pool, str(hostname))
    if not found:
        return {"found": False, "criticality": None, "owner": None, "assets": []}
    top = max(found, key=lambda a: RANK[a.criticality])
    return {
        "found": True,
        "criticality": top.criticality,
        "owner": top.owner,
        "assets": _dump(found),
    }


@app.action(title="Find assets")
async def find_assets(
    ctx: ActionContext,
    owner: str | None = Field(None, description="Owner (case-insensitive)"),
    tag: str | None = None,
    min_criticality: Criticality | None = Field(None, description="At least this critical"),
    assets: list[dict[str, Any]] | None = Field(None, description="Inline assets to search too"),
) -> dict[str, Any]:
    """Assets of an owner, carrying a tag, or at least as critical as a level."""
    pool = await _assets(ctx, assets)
    if owner:
        pool = [a for a in pool if (a.owner or "").lower() == owner.lower()]
    if tag:
        pool = [a for a in pool if tag in a.tags]
    if min_criticality:
        pool = [a for a in pool if RANK[a.criticality] >= RANK[min_criticality]]
    return {"count": len(pool), "assets": _dump(pool)}


@app.action(title="List assets")
async def list_assets(
    ctx: ActionContext,
    assets: list[dict[str, Any]] | None = Field(None, description="Inline assets to add"),
) -> dict[str, Any]:
    """Every asset with counts per criticality (also a check that the file loads)."""
    pool = await _assets(ctx, assets)
    counts = {level: sum(a.criticality == level for a in pool) for level in RANK}
    return {"count": len(pool), "by_criticality": counts, "assets": _dump(pool)}
