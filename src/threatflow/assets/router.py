"""The asset inventory over HTTP: CRUD, filtered lists, bulk imports and lookups."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response

from threatflow.api.deps import CoreDep, UserDep
from threatflow.assets.schemas import (
    AssetIn,
    AssetOut,
    AssetPage,
    Criticality,
    ImportMode,
    ImportResult,
    LookupResult,
    Syntax,
)
from threatflow.errors import InvalidInput

router = APIRouter(prefix="/assets", tags=["assets"])

YAML_TYPES = ("text/yaml", "application/yaml", "application/x-yaml", "text/x-yaml")

_IMPORT_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"oneOf": [
        {"type": "array", "items": {"$ref": "#/components/schemas/AssetIn"}},
        {"type": "object", "properties": {
            "assets": {"type": "array", "items": {"$ref": "#/components/schemas/AssetIn"}}}},
    ]}},
    "application/yaml": {"schema": {"type": "string"}},
}}}


@router.get("")
def list_assets(core: CoreDep, user: UserDep, owner: str | None = None, tag: str | None = None,
                min_criticality: Criticality | None = None, q: str = "", limit: int = 50,
                offset: int = 0) -> AssetPage:
    return core.assets.search(owner=owner, tag=tag, min_criticality=min_criticality, q=q,
                            limit=limit, offset=offset)


@router.post("", status_code=201)
def create_asset(body: AssetIn, core: CoreDep, user: UserDep) -> AssetOut:
    return core.assets.create(body)


@router.post("/import", openapi_extra=_IMPORT_BODY)
async def import_assets(request: Request, core: CoreDep, user: UserDep,
                        mode: ImportMode = "merge") -> ImportResult:
    """Import a list of assets sent as JSON or, with a YAML content type, as YAML text."""
    raw = await request.body()
    if not raw.strip():
        raise InvalidInput("send a list of assets (JSON or YAML) as the body", field="body")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    syntax: Syntax | None = "yaml" if content_type in YAML_TYPES else (
        "json" if content_type.endswith("json") else None)
    text = raw.decode("utf-8", "replace")
    # a large import validates and writes for a while: keep it off the event loop
    return await asyncio.to_thread(core.assets.import_assets, text, mode=mode, syntax=syntax)


@router.get("/lookup")
def lookup_asset(core: CoreDep, user: UserDep, ip: str | None = None,
                 hostname: str | None = None) -> LookupResult:
    return core.assets.lookup(ip=ip, hostname=hostname)


@router.get("/{asset_id}")
def get_asset(asset_id: str, core: CoreDep, user: UserDep) -> AssetOut:
    return core.assets.get(asset_id)


@router.put("/{asset_id}")
def update_asset(asset_id: str, body: AssetIn, core: CoreDep, user: UserDep) -> AssetOut:
    return core.assets.update(asset_id, body)


@router.delete("/{asset_id}", status_code=204)
def delete_asset(asset_id: str, core: CoreDep, user: UserDep) -> Response:
    core.assets.delete(asset_id)
    return Response(status_code=204)
