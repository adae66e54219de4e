"""The app catalog."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from threatflow.api.deps import CoreDep, UserDep

router = APIRouter(prefix="/apps", tags=["apps"])


@router.get("")
def list_apps(core: CoreDep, user: UserDep) -> dict[str, Any]:
    return {"items": [app.describe() for app in core.registry.apps()]}


@router.get("/{name}")
def get_app(name: str, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.registry.get(name).describe()
