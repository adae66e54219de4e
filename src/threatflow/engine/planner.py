"""The pure core of the engine: which steps run next, which are skipped, when it is over.

Nothing here does I/O, reads a clock or draws random numbers: the planner takes a compiled
:class:`Graph` and the current :class:`StepState` of every step and returns a :class:`Plan`.
The runner carries the plan out and calls :func:`plan` again after every step, so every
executor (the in-process pool, a Celery worker) shares one set of rules.

Edge semantics (a step's ``needs``):

=========  ======================================  ==========================================
edge       satisfied when the upstream step        can never be satisfied when it
=========  ======================================  ==========================================
success    succeeded, or failed with               was skipped or cancelled, or failed with
           ``on_error: continue``                  ``on_error: fail``
failure    failed (after its last attempt)         succeeded, was skipped or cancelled
always     finished in any state                   (never)
=========  ======================================  ==========================================

A step with ``join: all`` is ready when every edge is satisfied and skipped as soon as one
cannot be; with ``join: any`` it is ready when one edge is satisfied and skipped when none can
be. A failure that no failure/always edge handles (and that is not ``continue``) fails the
execution: nothing new starts, and steps that never ran are skipped.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from graphlib import CycleError, TopologicalSorter

from threatflow.engine.model import Retry, Workflow


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class ExecutionStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


STEP_FINISHED = frozenset(
    {StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.CANCELLED}
)
STEP_IN_FLIGHT = frozenset({StepStatus.RUNNING, StepStatus.WAITING})
EXECUTION_FINAL = frozenset(
    {ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED}
)
EXECUTION_ACTIVE = frozenset(
    {ExecutionStatus.QUEUED, ExecutionStatus.RUNNING, ExecutionStatus.WAITING}
)

# Allowed execution transitions; anything else is a bug or a race the caller must refuse.
EXECUTION_TRANSITIONS: Mapping[ExecutionStatus, frozenset[ExecutionStatus]] = {
    ExecutionStatus.QUEUED: frozenset(
        {ExecutionStatus.RUNNING, ExecutionStatus.CANCELLED, ExecutionStatus.FAILED}
    ),
    ExecutionStatus.RUNNING: frozenset(
        {ExecutionStatus.WAITING, *EXECUTION_FINAL, ExecutionStatus.RUNNING}
    ),
    ExecutionStatus.WAITING: frozenset({ExecutionStatus.RUNNING, *EXECUTION_FINAL}),
    ExecutionStatus.SUCCEEDED: frozenset(),
    ExecutionStatus.FAILED: frozenset(),
    ExecutionStatus.CANCELLED: frozenset(),
}


def can_transition(old: ExecutionStatus, new: ExecutionStatus) -> bool:
    return new in EXECUTION_TRANSITIONS[old]


@dataclass(frozen=True, slots=True)
class StepState:
    """What the planner needs to know of a step's latest attempt."""

    status: StepStatus = StepStatus.PENDING
    attempt: int = 0
    error_type: str | None = None
    retryable: bool = False


PENDING = StepState()


@dataclass(frozen=True, slots=True)
class Edge:
    step: str
    on: str


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    edges: tuple[Edge, ...]
    join: str
    on_error: str
    retry: Retry
    handled: bool  # an outgoing failure/always edge takes care of this step's failure


@dataclass(frozen=True, slots=True)
class Graph:
    """A workflow's steps in topological order, with edges resolved both ways."""

    order: tuple[str, ...]
    nodes: Mapping[str, Node]
    index: Mapping[str, int]
    children: Mapping[str, tuple[str, ...]]
    roots: tuple[str, ...]

    def descendants(self, step_id: str) -> set[str]:
        """Every step reachable from ``step_id`` through any edge."""
        found: set[str] = set()
        todo = [step_id]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found


def compile_graph(workflow: Workflow) -> Graph:
    """Resolve edges and order steps; raises ``CycleError`` or ``KeyError`` on a bad graph.

    Validation (``threatflow.engine.validate``) reports those problems with paths first; this
    only runs on workflows that passed it.
    """
    handled = {e.step for s in workflow.steps for e in s.edges if e.on in ("failure", "always")}
    nodes: dict[str, Node] = {}
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for step in workflow.steps:
        edges = tuple(Edge(e.step, e.on) for e in step.edges)
        nodes[step.id] = Node(step.id, edges, step.join, step.on_error, step.retry,
                              step.id in handled)
        sorter.add(step.id, *(e.step for e in edges))
    order = tuple(sorter.static_order())
    missing = [s for s in order if s not in nodes]
    if missing:
        raise KeyError(missing[0])
    children: dict[str, list[str]] = {s: [] for s in order}
    for node in nodes.values():
        for edge in node.edges:
            if node.id not in children[edge.step]:
                children[edge.step].append(node.id)
    return Graph(
        order=order,
        nodes=nodes,
        index={s: i for i, s in enumerate(order)},
        children={s: tuple(c) for s, c in children.items()},
        roots=tuple(s for s in order if not nodes[s].edges),
    )


def find_cycle(workflow: Workflow) -> list[str] | None:
    """The steps of one dependency cycle, or ``None``."""
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for step in workflow.steps:
        sorter.add(step.id, *(e.step for e in step.edges))
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle: list[str] = exc.args[1]
        return cycle
    return None


@dataclass(frozen=True, slots=True)
class RetryPlan:
    step: str
    attempt: int  # the attempt about to be made
    delay: float  # seconds before it, before jitter
    jitter: float  # the share of ``delay`` the runner may add at random


@dataclass(frozen=True, slots=True)
class Plan:
    start: tuple[str, ...] = ()
    skip: tuple[tuple[str, str], ...] = ()
    retry: tuple[RetryPlan, ...] = ()
    done: bool = False
    outcome: ExecutionStatus | None = None
    failed: tuple[str, ...] = field(default=())


def retry_delay(policy: Retry, attempt: int) -> float:
    """Seconds to wait before ``attempt`` (2 is the first retry): exponential, capped."""
    return float(min(policy.max_backoff, policy.backoff * policy.factor ** max(0, attempt - 2)))


def will_retry(node: Node, state: StepState) -> bool:
    if state.status is not StepStatus.FAILED or state.attempt >= node.retry.attempts:
        return False
    if node.retry.on:
        return state.error_type in node.retry.on
    return state.retryable


def _edge_verdict(edge: Edge, up: Node, state: StepState) -> bool | None:
    """True: satisfied; False: can never be; None: not decided yet."""
    status = state.status
    if status not in STEP_FINISHED or (status is StepStatus.FAILED and will_retry(up, state)):
        return None
    if edge.on == "always":
        return True
    failed = status is StepStatus.FAILED
    if edge.on == "failure":
        return failed
    return status is StepStatus.SUCCEEDED or (failed and up.on_error == "continue")


def _readiness(node: Node, graph: Graph, states: Mapping[str, StepState]) -> bool | None:
    if not node.edges:
        return True
    verdicts = [
        _edge_verdict(e, graph.nodes[e.step], states.get(e.step, PENDING)) for e in node.edges
    ]
    if node.join == "any":
        if any(v is True for v in verdicts):
            return True
        return False if all(v is False for v in verdicts) else None
    if any(v is False for v in verdicts):
        return False
    return True if all(v is True for v in verdicts) else None


def _settled(graph: Graph, states: Mapping[str, StepState]) -> tuple[
    list[str], list[RetryPlan], bool
]:
    """Unhandled final failures, retries due and whether any step is in flight.

    Only steps that have a state are looked at: untouched steps are pending.
    """
    failed: list[str] = []
    retries: list[RetryPlan] = []
    in_flight = False
    for step_id, state in states.items():
        if state.status in STEP_IN_FLIGHT:
            in_flight = True
        elif state.status is StepStatus.FAILED:
            node = graph.nodes[step_id]
            if will_retry(node, state):
                attempt = state.attempt + 1
                retries.append(RetryPlan(step_id, attempt, retry_delay(node.retry, attempt),
                                         node.retry.jitter))
            elif not node.handled and node.on_error == "fail":
                failed.append(step_id)
    failed.sort(key=graph.index.__getitem__)
    retries.sort(key=lambda r: graph.index[r.step])
    return failed, retries, in_flight


def _candidates(graph: Graph, states: Mapping[str, StepState]) -> list[int]:
    """Pending steps that may have become decidable: roots and children of touched steps."""
    index = graph.index
    found = {index[s] for s in graph.roots if s not in states}
    for step_id in states:
        for child in graph.children[step_id]:
            if states.get(child, PENDING).status is StepStatus.PENDING:
                found.add(index[child])
    found.update(index[s] for s, st in states.items() if st.status is StepStatus.PENDING)
    return sorted(found)


def plan(graph: Graph, states: Mapping[str, StepState]) -> Plan:
    """Decide the next moves for an execution whose steps are in ``states``."""
    current = dict(states)
    failed, retries, in_flight = _settled(graph, current)
    if failed:
        retries = []
    start: list[str] = []
    skip: list[tuple[str, str]] = []
    todo = _candidates(graph, current)
    seen = set(todo)
    while todo:
        step_id = graph.order[heapq.heappop(todo)]
        if current.get(step_id, PENDING).status is not StepStatus.PENDING:
            continue
        ready = _readiness(graph.nodes[step_id], graph, current)
        if ready is False:
            skip.append((step_id, "its dependencies were not met"))
            current[step_id] = StepState(StepStatus.SKIPPED)
            for child in graph.children[step_id]:
                if graph.index[child] not in seen:
                    seen.add(graph.index[child])
                    heapq.heappush(todo, graph.index[child])
        elif ready and not failed:
            start.append(step_id)
    if start or retries or in_flight:
        return Plan(start=tuple(start), skip=tuple(skip), retry=tuple(retries),
                    failed=tuple(failed))
    leftovers = tuple(
        (s, "the execution failed before it could run")
        for s in graph.order if current.get(s, PENDING).status is StepStatus.PENDING
    )
    outcome = ExecutionStatus.FAILED if failed else ExecutionStatus.SUCCEEDED
    return Plan(skip=tuple(skip) + leftovers, done=True, outcome=outcome, failed=tuple(failed))
