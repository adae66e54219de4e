"""The app catalog, and apps imported from OpenAPI documents."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response

from threatflow.api.deps import CoreDep, UserDep
from threatflow.errors import InvalidInput

router = APIRouter(prefix="/apps", tags=["apps"])


@router.get("")
def list_apps(core: CoreDep, user: UserDep) -> dict[str, Any]:
    return {"items": [app.describe() for app in core.registry.apps()]}


@router.post("/import", status_code=201)
async def import_app(request: Request, core: CoreDep, user: UserDep,
                     name: str | None = None) -> dict[str, Any]:
    """Upload an OpenAPI 3.x or Swagger 2.0 document (JSON or YAML) as the request body."""
    document = await request.body()
    if not document.strip():
        raise InvalidInput("send the OpenAPI document as the request body", field="body")
    # checking a large document takes seconds: keep it off the event loop
    return await asyncio.to_thread(core.apps.import_document, document, name=name)


@router.get("/{name}")
def get_app(name: str, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.registry.get(name).describe()


@router.get("/{name}/export")
def export_app(name: str, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.apps.export(name)


@router.delete("/{name}", status_code=204)
def delete_app(name: str, core: CoreDep, user: UserDep) -> Response:
    core.apps.delete(name)
    return Response(status_code=204)
