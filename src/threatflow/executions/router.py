"""Executions: list, show, cancel, rerun, and the live event stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from threatflow.api.deps import CoreDep, UserDep

router = APIRouter(tags=["executions"])

KEEPALIVE = 15.0


class Rerun(BaseModel):
    from_step: str | None = None


@router.get("/executions")
def list_executions(
    core: CoreDep, user: UserDep, status: str | None = None, workflow_id: str | None = None,
    source: str | None = None, since: datetime | None = None, until: datetime | None = None,
    cursor: str | None = None, limit: int = 50,
) -> dict[str, Any]:
    return core.executions.search(status=status, workflow_id=workflow_id, source=source,
                                since=since, until=until, cursor=cursor, limit=limit)


@router.get("/executions/{execution_id}")
def get_execution(execution_id: str, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.executions.get(execution_id)


@router.post("/executions/{execution_id}/cancel")
def cancel_execution(execution_id: str, core: CoreDep, user: UserDep) -> dict[str, Any]:
    return core.executions.cancel(execution_id)


@router.post("/executions/{execution_id}/rerun", status_code=202)
async def rerun_execution(execution_id: str, core: CoreDep, user: UserDep,
                          body: Rerun | None = None) -> dict[str, Any]:
    new_id = await core.executions.rerun(execution_id, body.from_step if body else None)
    return {"execution_id": new_id}


@router.get("/events")
async def events(request: Request, core: CoreDep, user: UserDep) -> StreamingResponse:
    async def stream() -> AsyncIterator[str]:
        async with core.events.subscribe() as queue:
            yield ": connected\n\n"
            while not await request.is_disconnected():
                try:
                    kind, data = await asyncio.wait_for(queue.get(), KEEPALIVE)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: {kind}\ndata: {json.dumps(data)}\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
