"""Request bodies of the workflows API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class WorkflowSave(BaseModel):
    definition: dict[str, Any]
    message: str = Field("", max_length=500)
    enabled: bool = True
    base_revision: int | None = Field(
        None, description="Revision the editor started from; 409 if the workflow moved on")


class WorkflowPatch(BaseModel):
    enabled: bool


class WorkflowCheck(BaseModel):
    definition: Any


class ManualRun(BaseModel):
    input: Any = Field(default_factory=dict)
    trigger_id: str = ""
