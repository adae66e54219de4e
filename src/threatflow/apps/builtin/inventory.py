"""Asset inventory: hosts with their owner, criticality and tags, for workflow steps.

Assets come from Threatflow's own inventory (``/api/v1/assets``, ``threatflow assets
import``), which the engine hands to actions as ``ctx.extra["assets"]``. Two more sources are
searched with it, so workflows written for the file-backed version keep working: a JSON or
YAML file named by the credential field ``path`` (a list of assets, or ``{"assets": [...]}``)
and any ``assets`` given inline to a call. Matching rules are those of
:mod:`threatflow.assets.index`: an exact address beats the most specific network containing
it, hostnames match without case and a short name finds its FQDN.

Each asset in a result is ``{hostname, ip, owner, criticality, tags}`` plus its attributes at
the top level (``os``, ``location``...) and, for stored assets, their ``id``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field

from threatflow.apps.builtin._common import params_error
from threatflow.apps.sdk import ActionContext, App, Category, CredentialField
from threatflow.assets.index import AssetIndex, most_critical
from threatflow.assets.schemas import (
    RANK,
    AssetEntry,
    AssetIn,
    AssetOut,
    Criticality,
    parse_entries,
)
from threatflow.assets.service import AssetService
from threatflow.errors import ActionError, InvalidInput

app = App(
    "inventory",
    title="Asset inventory",
    category=Category.ASSETS,
    description="Look up hosts, their owners and criticality by IP address or hostname.",
    credential_fields=[
        CredentialField(
            "path", "Inventory file", required=False,
            description="JSON or YAML list of assets searched besides the stored inventory",
        )
    ],
)

_cache: dict[str, tuple[float, list[AssetEntry]]] = {}
_NONE: AssetIndex[AssetIn] = AssetIndex()


def _load_file(path: Path) -> list[AssetEntry]:
    """The assets of a file, parsed again only when its modification time changes."""
    mtime = path.stat().st_mtime
    cached = _cache.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    assets = parse_entries(raw, path.name)
    _cache[str(path)] = (mtime, assets)
    return assets


async def _from_file(ctx: ActionContext) -> list[AssetEntry]:
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
    except (InvalidInput, ValueError, yaml.YAMLError) as exc:
        raise ActionError(f"inventory file {path}: {exc}", error_type="credential") from None


async def _stored(ctx: ActionContext) -> AssetIndex[AssetOut] | None:
    service = ctx.extra.get("assets")
    return await service.current() if isinstance(service, AssetService) else None


async def _assets(ctx: ActionContext, inline: list[dict[str, Any]] | None) -> AssetIndex[AssetIn]:
    """Every source in one index; the stored snapshot alone is used as it is."""
    try:
        given = parse_entries(inline or [], "assets")
    except InvalidInput as exc:
        raise params_error("assets", str(exc)) from None
    stored = await _stored(ctx)
    more = [*await _from_file(ctx), *given]
    if not more:
        return stored if stored is not None else _NONE
    return AssetIndex([*(stored.assets if stored is not None else ()), *more])


def _view(asset: AssetIn) -> dict[str, Any]:
    view: dict[str, Any] = {**asset.attributes, "hostname": asset.hostname, "ip": asset.ip,
                            "owner": asset.owner, "criticality": asset.criticality,
                            "tags": list(asset.tags)}
    if isinstance(asset, AssetOut):
        view["id"] = asset.id
    return view


def _dump(assets: list[AssetIn]) -> list[dict[str, Any]]:
    return [_view(a) for a in assets]


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
    try:
        found: list[AssetIn] = pool.by_ip(ip) if ip else pool.by_hostname(str(hostname))
    except InvalidInput:
        raise params_error("ip", f"{ip!r} is not an IP address") from None
    top = most_critical(found)
    if top is None:
        return {"found": False, "criticality": None, "owner": None, "assets": []}
    return {"found": True, "criticality": top.criticality, "owner": top.owner,
            "assets": _dump(found)}


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
    found: list[AssetIn] = pool.filter(owner=owner, tag=tag, min_criticality=min_criticality)
    return {"count": len(found), "assets": _dump(found)}


@app.action(title="List assets")
async def list_assets(
    ctx: ActionContext,
    assets: list[dict[str, Any]] | None = Field(None, description="Inline assets to add"),
) -> dict[str, Any]:
    """Every asset with counts per criticality (also a check that the sources load)."""
    pool: list[AssetIn] = list((await _assets(ctx, assets)).assets)
    counts = {level: sum(a.criticality == level for a in pool) for level in RANK}
    return {"count": len(pool), "by_criticality": counts, "assets": _dump(pool)}
