"""Credentials: secret fields are write-only and come back masked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from threatflow.api.deps import CoreDep, UserDep
from threatflow.apps.sdk import make_context
from threatflow.errors import ActionError

router = APIRouter(prefix="/credentials", tags=["credentials"])


class CredentialCreate(BaseModel):
    name: str = Field(..., min_length=1, max_length=100)
    app: str = Field(..., min_length=1, max_length=100)
    fields: dict[str, Any] = Field(default_factory=dict)


class CredentialUpdate(BaseModel):
    fields: dict[str, Any]


@router.get("")
def list_credentials(core: CoreDep, user: UserDep) -> dict[str, Any]:
    return {"items": core.credentials.list_all()}


@router.post("", status_code=201)
def create_credential(body: CredentialCreate, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.credentials.create(body.name, body.app, body.fields)


@router.get("/{name}")
def get_credential(name: str, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.credentials.get_masked(name)


@router.put("/{name}")
def update_credential(name: str, body: CredentialUpdate, core: CoreDep,
                      user: UserDep) -> dict[str, Any]:
    return core.credentials.update(name, body.fields)


@router.delete("/{name}", status_code=204)
def delete_credential(name: str, core: CoreDep, user: UserDep) -> Response:
    core.credentials.delete(name)
    return Response(status_code=204)


@router.post("/{name}/test")
async def test_credential(name: str, core: CoreDep, user: UserDep) -> dict[str, Any]:
    """Run the app's ``test_connection`` action with this credential."""
    view = core.credentials.get_masked(name)
    app = core.registry.get(view["app"]) if view["app"] in core.registry else None
    action = app.actions.get("test_connection") if app is not None else None
    if action is None:  # generic credentials (webhook secrets) and apps without a test
        return {"ok": False, "message": f"app {view['app']!r} has no connection test"}
    assert core.http is not None
    ctx = make_context(core.http, core.credentials.resolve(name), step_id="test_connection")
    try:
        await action.invoke(ctx, {})
    except ActionError as exc:
        return {"ok": False, "message": str(exc)}
    return {"ok": True, "message": "connection works"}
