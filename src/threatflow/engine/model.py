"""The native workflow format, version 1.

A workflow is a document (YAML or JSON, one schema) with triggers and steps. Steps form a
directed acyclic graph through ``needs``; a step without ``needs`` starts from the trigger.
The JSON Schema of this model is served at ``GET /api/v1/schemas/workflow`` and described in
``docs/workflow-format.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from threatflow.errors import InvalidInput, Problem, WorkflowInvalid

FORMAT_VERSION = 1
ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"

StepId = Annotated[str, Field(pattern=ID_PATTERN, description="Identifier used in expressions")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Position(_Model):
    """Where the designer draws a node; ignored by the engine."""

    x: float = 0
    y: float = 0


class WebhookTrigger(_Model):
    """Starts an execution when an HTTP POST reaches the trigger's unguessable URL."""

    id: StepId = "webhook"
    type: Literal["webhook"] = "webhook"
    name: str = ""
    enabled: bool = True
    secret_header: str | None = Field(
        None, description="Header that must carry the secret (for example X-Threatflow-Secret)"
    )
    secret_credential: str | None = Field(
        None, description="Credential whose field 'secret' holds the shared secret"
    )
    hmac_header: str | None = Field(
        None, description="Header carrying hex HMAC-SHA256 of the body, 'sha256=' prefix allowed"
    )
    position: Position | None = None


class ScheduleTrigger(_Model):
    """Starts an execution on a cron schedule."""

    id: StepId = "schedule"
    type: Literal["schedule"] = "schedule"
    name: str = ""
    enabled: bool = True
    cron: str = Field(..., description="Five-field cron expression, for example '*/5 * * * *'")
    timezone: str = "UTC"
    input: dict[str, Any] = Field(default_factory=dict, description="Payload of each execution")
    position: Position | None = None


class ManualTrigger(_Model):
    """Starts an execution from the UI, the CLI or the API."""

    id: StepId = "manual"
    type: Literal["manual"] = "manual"
    name: str = ""
    enabled: bool = True
    position: Position | None = None


Trigger = Annotated[
    WebhookTrigger | ScheduleTrigger | ManualTrigger, Field(discriminator="type")
]


class Need(_Model):
    """An edge from another step: run after it succeeded, failed (error edge) or either."""

    step: StepId
    on: Literal["success", "failure", "always"] = "success"


class Retry(_Model):
    """How often and when to try a failed step again (exponential backoff with jitter)."""

    attempts: int = Field(1, ge=1, le=50, description="Total attempts, the first included")
    backoff: float = Field(1.0, ge=0, le=3600, description="Seconds before the second attempt")
    factor: float = Field(2.0, ge=1, le=10)
    max_backoff: float = Field(300.0, ge=0, le=86400)
    jitter: float = Field(0.1, ge=0, le=1, description="Random share added to each delay")
    on: list[str] = Field(
        default_factory=list,
        description="Error types to retry (http, timeout, connection...); empty: any retryable",
    )


class Foreach(_Model):
    """Fan a step out over a list; the step's result is the list of item results."""

    items: Any = Field(..., description="A list, or an expression that yields one")
    concurrency: int = Field(8, ge=1, le=256)


class Step(_Model):
    """One node of a workflow: an action of an app with its parameters."""

    id: StepId
    name: str = ""
    description: str = ""
    app: str
    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    needs: list[StepId | Need] = Field(default_factory=list)
    join: Literal["all", "any"] = "all"
    when: str | None = Field(None, description="Condition; false skips this step")
    foreach: Foreach | None = None
    retry: Retry = Field(default_factory=Retry)
    timeout: float | None = Field(None, gt=0, le=86400, description="Seconds per attempt")
    on_error: Literal["fail", "continue"] = "fail"
    credential: str | None = None
    position: Position | None = None

    @field_validator("needs")
    @classmethod
    def _normalise_needs(cls, value: list[str | Need]) -> list[str | Need]:
        return [Need(step=v) if isinstance(v, str) else v for v in value]

    @property
    def edges(self) -> list[Need]:
        """The ``needs`` list with plain ids turned into success edges."""
        return [n if isinstance(n, Need) else Need(step=n) for n in self.needs]


class Workflow(_Model):
    """A response workflow (playbook): triggers, input schema, variables and steps."""

    format: Literal[1] = Field(1, description="Version of this format")
    name: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    triggers: list[Trigger] = Field(default_factory=list)
    input_schema: dict[str, Any] | None = Field(
        None, description="JSON Schema the trigger payload must match"
    )
    vars: dict[str, Any] = Field(default_factory=dict)
    steps: list[Step] = Field(default_factory=list)
    timeout: float = Field(3600, gt=0, le=7 * 86400, description="Seconds for one execution")
    output: Any = Field(None, description="Optional expression for the execution's result")

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


def workflow_json_schema() -> dict[str, Any]:
    """The JSON Schema of the native format."""
    schema = Workflow.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://threatflow.dev/schemas/workflow-v1.json"
    return schema


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in {"WebhookTrigger", "ScheduleTrigger", "ManualTrigger", "webhook",
                      "schedule", "manual", "str", "Need"}:
            continue
        else:
            path += f".{part}" if path else str(part)
    return path


def parse_workflow(data: Any) -> Workflow:
    """Build a :class:`Workflow` from decoded data, reporting every structural problem."""
    if not isinstance(data, dict):
        raise WorkflowInvalid([Problem("", "a workflow must be a mapping (object)", "type")])
    try:
        return Workflow.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(_loc_to_path(tuple(err["loc"])), err["msg"], err["type"])
            for err in exc.errors(include_url=False)
        ]
        raise WorkflowInvalid(problems) from None


def loads_workflow(text: str) -> Workflow:
    """Parse a YAML or JSON document (JSON is YAML) into a workflow."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"not valid YAML or JSON: {exc}", field="document") from None
    return parse_workflow(data)


def load_workflow(path: Path) -> Workflow:
    """Read a workflow file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="file") from None
    return loads_workflow(text)


def dumps_workflow(workflow: Workflow, fmt: Literal["yaml", "json"] = "yaml") -> str:
    """Serialise a workflow without default values, as YAML or JSON."""
    data = workflow.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    data = {"format": FORMAT_VERSION, **data}
    if fmt == "json":
        return json.dumps(data, indent=2)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
