"""Check a workflow and report every problem at once, each with the path to its field.

Paths look like ``steps[2].params.title`` so the designer can mark the exact node and field.
Structural problems (wrong types, unknown keys) come from the model; this module adds what a
schema cannot see: graph shape, apps and actions, parameters, credentials, expressions,
cron expressions and the input schema.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
from croniter import croniter

from threatflow.apps.registry import Registry
from threatflow.apps.sdk import Action
from threatflow.engine.expressions import Expressions, default_expressions
from threatflow.engine.model import ScheduleTrigger, Step, Workflow, parse_workflow
from threatflow.engine.planner import find_cycle
from threatflow.errors import Problem, WorkflowInvalid

RESERVED_IDS = {"trigger", "steps", "vars", "item", "index", "execution"}


def has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(has_expression(v) for v in value)
    return False


class Validator:
    """Validates workflows against the apps of a registry and the known credentials."""

    def __init__(
        self,
        registry: Registry,
        credentials: Iterable[str] | None = None,
        expressions: Expressions | None = None,
    ) -> None:
        self.registry = registry
        self.credentials = set(credentials) if credentials is not None else None
        self.expressions = expressions or default_expressions()

    def check(self, data: Any) -> tuple[Workflow | None, list[Problem]]:
        """Parse and check; the workflow is ``None`` when its structure is already wrong."""
        try:
            workflow = data if isinstance(data, Workflow) else parse_workflow(data)
        except WorkflowInvalid as exc:
            return None, exc.problems
        return workflow, list(self.problems(workflow))

    def ensure_valid(self, data: Any) -> Workflow:
        """The parsed workflow, or :class:`WorkflowInvalid` listing every problem."""
        workflow, problems = self.check(data)
        if problems or workflow is None:
            raise WorkflowInvalid(problems)
        return workflow

    def problems(self, workflow: Workflow) -> Iterator[Problem]:
        yield from self._ids(workflow)
        yield from self._edges(workflow)
        yield from self._triggers(workflow)
        if workflow.input_schema is not None:
            yield from _schema_problems(workflow.input_schema)
        upstream = _ancestors(workflow)
        for index, step in enumerate(workflow.steps):
            path = f"steps[{index}]"
            yield from self._step(step, path, upstream.get(step.id, set()), workflow)
        if workflow.output is not None:
            yield from self._expressions(workflow.output, "output", None, workflow)

    def _ids(self, workflow: Workflow) -> Iterator[Problem]:
        counts = Counter(s.id for s in workflow.steps)
        for index, step in enumerate(workflow.steps):
            if counts[step.id] > 1:
                yield Problem(f"steps[{index}].id", f"duplicate step id {step.id!r}", "duplicate")
            if step.id in RESERVED_IDS:
                yield Problem(f"steps[{index}].id", f"{step.id!r} is a reserved name", "reserved")
        trigger_counts = Counter(t.id for t in workflow.triggers)
        for index, trigger in enumerate(workflow.triggers):
            if trigger_counts[trigger.id] > 1:
                yield Problem(f"triggers[{index}].id", f"duplicate trigger id {trigger.id!r}",
                              "duplicate")

    def _edges(self, workflow: Workflow) -> Iterator[Problem]:
        ids = {s.id for s in workflow.steps}
        for index, step in enumerate(workflow.steps):
            for n, edge in enumerate(step.edges):
                path = f"steps[{index}].needs[{n}]"
                if edge.step == step.id:
                    yield Problem(path, "a step cannot need itself", "cycle")
                elif edge.step not in ids:
                    yield Problem(path, f"unknown step {edge.step!r}", "unknown_step")
        cycle = find_cycle(workflow)
        if cycle and not any(s.id in {e.step for e in s.edges} for s in workflow.steps):
            index = next(i for i, s in enumerate(workflow.steps) if s.id == cycle[0])
            yield Problem(f"steps[{index}].needs", "steps form a cycle: " + " -> ".join(cycle),
                          "cycle")

    def _triggers(self, workflow: Workflow) -> Iterator[Problem]:
        for index, trigger in enumerate(workflow.triggers):
            if not isinstance(trigger, ScheduleTrigger):
                continue
            if not croniter.is_valid(trigger.cron):
                yield Problem(f"triggers[{index}].cron", f"invalid cron {trigger.cron!r}", "cron")
            try:
                ZoneInfo(trigger.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                yield Problem(f"triggers[{index}].timezone",
                              f"unknown time zone {trigger.timezone!r}", "timezone")

    def _step(self, step: Step, path: str, upstream: set[str], wf: Workflow) -> Iterator[Problem]:
        if self.credentials is not None and step.credential is not None \
                and step.credential not in self.credentials:
            yield Problem(f"{path}.credential", f"unknown credential {step.credential!r}",
                          "unknown_credential")
        if step.when is not None:
            yield from self._expressions(step.when, f"{path}.when", upstream, wf, bare=True)
        if step.foreach is not None:
            yield from self._expressions(step.foreach.items, f"{path}.foreach.items", upstream,
                                         wf)
        yield from self._expressions(step.params, f"{path}.params", upstream, wf)
        if step.app not in self.registry:
            yield Problem(f"{path}.app", f"unknown app {step.app!r}", "unknown_app")
            return
        action = self.registry.get(step.app).actions.get(step.action)
        if action is None:
            yield Problem(f"{path}.action", f"app {step.app!r} has no action {step.action!r}",
                          "unknown_action")
            return
        yield from _param_problems(action, step.params, f"{path}.params")

    def _expressions(
        self, value: Any, path: str, upstream: set[str] | None, wf: Workflow, bare: bool = False
    ) -> Iterator[Problem]:
        """Syntax and step references of every expression in ``value``, at exact paths."""
        if isinstance(value, dict):
            for key, item in value.items():
                yield from self._expressions(item, f"{path}.{key}", upstream, wf)
            return
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from self._expressions(item, f"{path}[{index}]", upstream, wf)
            return
        if not isinstance(value, str):
            return
        for _, message in self.expressions.check_syntax(value, expression=bare):
            yield Problem(path, message, "expression")
        known = {s.id for s in wf.steps}
        for ref in sorted(self.expressions.references(value, expression=bare)):
            if len(ref) < 2 or ref[0] != "steps":
                continue
            target = str(ref[1])
            if target not in known:
                yield Problem(path, f"expression refers to unknown step {target!r}",
                              "unknown_step")
            elif upstream is not None and target not in upstream:
                yield Problem(path, f"step {target!r} is not upstream of this step; add it to "
                              "needs", "not_upstream")


def _ancestors(workflow: Workflow) -> dict[str, set[str]]:
    parents = {s.id: {e.step for e in s.edges} for s in workflow.steps}
    found: dict[str, set[str]] = {}

    def walk(step_id: str, seen: set[str]) -> set[str]:
        if step_id in found:
            return found[step_id]
        result: set[str] = set()
        for parent in parents.get(step_id, set()):
            if parent in seen:
                continue  # cycles are reported elsewhere
            result |= {parent} | walk(parent, seen | {parent})
        found[step_id] = result
        return result

    for step in workflow.steps:
        walk(step.id, {step.id})
    return found


def _schema_problems(schema: dict[str, Any]) -> Iterator[Problem]:
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.absolute_path)
        yield Problem(f"input_schema{where}", exc.message, "schema")


def _param_problems(action: Action, params: dict[str, Any], path: str) -> Iterator[Problem]:
    schema = action.params_schema()
    properties: dict[str, Any] = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in params:
            yield Problem(f"{path}.{name}", "required parameter is missing", "missing")
    for name, value in params.items():
        if name not in properties:
            if schema.get("additionalProperties", True) is False:
                yield Problem(f"{path}.{name}", "unknown parameter", "unknown_param")
            continue
        if has_expression(value):
            continue  # checked when rendered; syntax was checked above
        sub = {**properties[name], "$defs": schema.get("$defs", {})}
        validator = jsonschema.Draft202012Validator(sub)
        for error in validator.iter_errors(value):
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                            for p in error.absolute_path)
            yield Problem(f"{path}.{name}{where}", error.message, "type")
