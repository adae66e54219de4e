"""Workflows, revisions, validation, import/export and manual runs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from threatflow.api.deps import CoreDep, UserDep
from threatflow.errors import InvalidInput
from threatflow.workflows.schemas import ManualRun, WorkflowCheck, WorkflowPatch, WorkflowSave

router = APIRouter(prefix="/workflows", tags=["workflows"])


@router.get("")
def list_workflows(core: CoreDep, user: UserDep, q: str = "", limit: int = 50,
                   cursor: str | None = None) -> dict[str, Any]:
    return core.workflows.search(q=q, limit=limit, cursor=cursor)


@router.post("", status_code=201)
def create_workflow(body: WorkflowSave, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.workflows.create(body.definition, user=user.username, message=body.message,
                                 enabled=body.enabled)


@router.post("/import", status_code=201)
async def import_workflow(request: Request, core: CoreDep, user: UserDep) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise InvalidInput("send the workflow document (YAML or JSON) as the body", field="body")
    text = raw.decode("utf-8", "replace")
    return core.workflows.import_document(text, user=user.username)


@router.post("/validate")
def validate_workflow(body: WorkflowCheck, core: CoreDep, user: UserDep) -> dict[str, Any]:
    problems = core.workflows.validate(body.definition)
    return {"valid": not problems, "problems": problems}


@router.get("/{workflow_id}")
def get_workflow(workflow_id: str, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.workflows.get(workflow_id)


@router.put("/{workflow_id}")
def update_workflow(workflow_id: str, body: WorkflowSave, core: CoreDep,
                    user: UserDep) -> dict[str, Any]:
    return core.workflows.update(workflow_id, body.definition, user=user.username,
                                 message=body.message, base_revision=body.base_revision)


@router.patch("/{workflow_id}")
def patch_workflow(workflow_id: str, body: WorkflowPatch, core: CoreDep,
                   user: UserDep) -> dict[str, Any]:
    return core.workflows.set_enabled(workflow_id, body.enabled)


@router.delete("/{workflow_id}", status_code=204)
def delete_workflow(workflow_id: str, core: CoreDep, user: UserDep) -> Response:
    core.workflows.delete(workflow_id)
    return Response(status_code=204)


@router.get("/{workflow_id}/export", response_class=PlainTextResponse)
def export_workflow(workflow_id: str, core: CoreDep, user: UserDep,
                    format: str = "yaml") -> PlainTextResponse:
    text = core.workflows.export(workflow_id, format)
    media = "application/json" if format == "json" else "application/yaml"
    return PlainTextResponse(text, media_type=media)


@router.get("/{workflow_id}/revisions")
def list_revisions(workflow_id: str, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.workflows.revisions(workflow_id)


@router.get("/{workflow_id}/revisions/{revision}")
def get_revision(workflow_id: str, revision: int, core: CoreDep,
                 user: UserDep) -> dict[str, Any]:
    return core.workflows.revision(workflow_id, revision)


@router.post("/{workflow_id}/revisions/{revision}/restore")
def restore_revision(workflow_id: str, revision: int, core: CoreDep,
                     user: UserDep) -> dict[str, Any]:
    return core.workflows.restore(workflow_id, revision, user=user.username)


@router.post("/{workflow_id}/run", status_code=202)
async def run_workflow(workflow_id: str, body: ManualRun, core: CoreDep,
                       user: UserDep) -> dict[str, Any]:
    workflow, revision = core.workflows.get_model(workflow_id)
    execution_id = await core.executions.start(
        workflow_id, revision, workflow, body.input, source="manual",
        trigger_id=body.trigger_id or "manual")
    return {"execution_id": execution_id}
