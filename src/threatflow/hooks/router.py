"""The webhook endpoint (no bearer token: the URL is the secret) and the hooks list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from threatflow.api.deps import CoreDep, UserDep
from threatflow.errors import PayloadTooLarge
from threatflow.metrics import WEBHOOKS

router = APIRouter(prefix="/hooks", tags=["hooks"])


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(int(declared), limit)
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > limit:
            raise PayloadTooLarge(len(chunks), limit)
    return bytes(chunks)


@router.get("")
def list_hooks(core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.workflows.hooks()


@router.post("/{hook_id}", status_code=202)
async def receive(hook_id: str, request: Request, core: CoreDep) -> JSONResponse:
    try:
        core.workflows.hook_target(hook_id)
        body = await _read_limited(request, core.settings.max_body)
        execution_id = await core.intake.receive(hook_id, body, request.headers)
    except Exception:
        WEBHOOKS.labels("rejected").inc()
        raise
    WEBHOOKS.labels("accepted").inc()
    return JSONResponse({"execution_id": execution_id}, status_code=202)
