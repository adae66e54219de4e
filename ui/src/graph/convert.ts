/**
 * Workflow definition → canvas nodes and edges.
 *
 * The definition is the single source of truth: the canvas never keeps nodes of its own, so
 * a deleted step cannot come back. {@link FlowBuilder} reuses the node and edge objects whose
 * inputs did not change, which lets the memoised node components skip re-rendering while
 * one node is dragged across a large workflow.
 */

import type { Edge, Node } from "@xyflow/react";

import type { StepStatus } from "../api/types";
import { edgeId, stepNodeId, triggerNodeId } from "./ids";
import type { EdgeKind, Step, Trigger, WorkflowDefinition } from "./types";
import { edgesOf } from "./types";

/** What the canvas knows about an action from the app catalog. */
export interface ActionInfo {
  title: string;
  appTitle: string;
  category: string;
}

export type StepNodeData = {
  step: Step;
  info: ActionInfo | null;
  problems: string[];
  status: StepStatus | null;
  attempts: number;
};

export type TriggerNodeData = {
  trigger: Trigger;
  problems: string[];
  fired: boolean;
};

export type StepNode = Node<StepNodeData, "step">;
export type TriggerNode = Node<TriggerNodeData, "trigger">;
export type FlowNode = StepNode | TriggerNode;

export type FlowEdgeKind = EdgeKind | "trigger";
export type FlowEdgeData = { kind: FlowEdgeKind; condition: string | null };
export type FlowEdge = Edge<FlowEdgeData>;

export interface FlowOptions {
  /** Canvas node ids and edge ids that are selected. */
  selected?: ReadonlySet<string>;
  /** Problem messages by node id. */
  problems?: ReadonlyMap<string, readonly { message: string }[]>;
  /** Step status and attempt count by step id (execution view). */
  statuses?: ReadonlyMap<string, { status: StepStatus; attempts: number }>;
  /** The trigger that started the execution (execution view). */
  firedTrigger?: string | null;
  /** Action titles and categories, keyed `app.action`. */
  catalog?: ReadonlyMap<string, ActionInfo>;
  /** Whether nodes can be dragged, connected and deleted. */
  editable?: boolean;
  /**
   * Sizes the canvas measured, given to rebuilt nodes so that the canvas does not measure a
   * node again on every drag frame. Not a cache key: a size never changes what a node shows.
   */
  measured?: ReadonlyMap<string, { width: number; height: number }>;
}

interface Cached<T> {
  deps: unknown[];
  value: T;
}

function sameDeps(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}

const NO_PROBLEMS: string[] = [];

function messages(list: readonly { message: string }[] | undefined): string[] {
  return list?.length ? list.map((p) => p.message) : NO_PROBLEMS;
}

/** The label drawn on an edge: its kind when not plain success, and the target's condition. */
export function edgeLabel(kind: FlowEdgeKind, condition: string | null): string | undefined {
  const parts: string[] = [];
  if (kind === "failure") parts.push("on failure");
  if (kind === "always") parts.push("always");
  if (condition) parts.push(`if ${condition.length > 28 ? `${condition.slice(0, 27)}…` : condition}`);
  return parts.length ? parts.join(" · ") : undefined;
}

/** Builds canvas nodes and edges, reusing unchanged objects between calls. */
export class FlowBuilder {
  private nodeCache = new Map<string, Cached<FlowNode>>();
  private edgeCache = new Map<string, Cached<FlowEdge>>();

  private reuse<T>(
    cache: Map<string, Cached<T>>,
    next: Map<string, Cached<T>>,
    id: string,
    deps: unknown[],
    make: () => T,
  ): T {
    const previous = cache.get(id);
    const value = previous && sameDeps(previous.deps, deps) ? previous.value : make();
    next.set(id, { deps, value });
    return value;
  }

  /** Nodes for every trigger and step of the definition. */
  nodes(def: WorkflowDefinition, options: FlowOptions = {}): FlowNode[] {
    const next = new Map<string, Cached<FlowNode>>();
    const draggable = options.editable ?? true;
    const result: FlowNode[] = [];
    for (const trigger of def.triggers ?? []) {
      const id = triggerNodeId(trigger.id);
      const selected = options.selected?.has(id) ?? false;
      const problems = options.problems?.get(id);
      const fired = options.firedTrigger === trigger.id;
      result.push(
        this.reuse(this.nodeCache, next, id, [trigger, selected, problems, fired, draggable], () => ({
          id,
          type: "trigger",
          ...sized(options, id),
          position: trigger.position ?? { x: 0, y: 0 },
          selected,
          draggable,
          deletable: draggable,
          data: { trigger, problems: messages(problems), fired },
        })),
      );
    }
    for (const step of def.steps ?? []) result.push(this.stepNode(step, options, next, draggable));
    this.nodeCache = next;
    return result;
  }

  private stepNode(
    step: Step,
    options: FlowOptions,
    next: Map<string, Cached<FlowNode>>,
    draggable: boolean,
  ): FlowNode {
    const id = stepNodeId(step.id);
    const selected = options.selected?.has(id) ?? false;
    const problems = options.problems?.get(id);
    const status = options.statuses?.get(step.id);
    const info = options.catalog?.get(`${step.app}.${step.action}`) ?? null;
    const deps = [step, selected, problems, status?.status, status?.attempts, info, draggable];
    return this.reuse(this.nodeCache, next, id, deps, () => ({
      id,
      type: "step",
      ...sized(options, id),
      position: step.position ?? { x: 0, y: 0 },
      selected,
      draggable,
      deletable: draggable,
      data: {
        step,
        info,
        problems: messages(problems),
        status: status?.status ?? null,
        attempts: status?.attempts ?? 0,
      },
    }));
  }

  /** Edges for every need, plus the implied trigger → root step edges. */
  edges(def: WorkflowDefinition, options: FlowOptions = {}): FlowEdge[] {
    const next = new Map<string, Cached<FlowEdge>>();
    const result: FlowEdge[] = [];
    const add = (source: string, target: string, kind: FlowEdgeKind, condition: string | null) => {
      const id = edgeId(source, target);
      const selected = options.selected?.has(id) ?? false;
      const deps = [kind, condition, selected, options.editable ?? true];
      result.push(
        this.reuse(this.edgeCache, next, id, deps, () =>
          makeEdge(id, source, target, kind, condition, selected, options.editable ?? true),
        ),
      );
    };
    for (const step of def.steps ?? []) {
      const target = stepNodeId(step.id);
      const condition = step.when?.trim() || null;
      const needs = edgesOf(step);
      if (!needs.length) for (const t of def.triggers ?? []) add(triggerNodeId(t.id), target, "trigger", condition);
      for (const need of needs) add(stepNodeId(need.step), target, need.on, condition);
    }
    this.edgeCache = next;
    return result;
  }
}

function sized(options: FlowOptions, id: string): { measured?: { width: number; height: number } } {
  const size = options.measured?.get(id);
  return size ? { measured: size } : {};
}

function makeEdge(
  id: string,
  source: string,
  target: string,
  kind: FlowEdgeKind,
  condition: string | null,
  selected: boolean,
  editable: boolean,
): FlowEdge {
  const label = edgeLabel(kind, condition);
  const classes = [`edge-${kind}`, condition ? "edge-conditional" : ""].filter(Boolean).join(" ");
  const edge: FlowEdge = {
    id,
    source,
    target,
    selected,
    className: classes,
    deletable: editable && kind !== "trigger",
    selectable: kind !== "trigger",
    data: { kind, condition },
  };
  if (label) edge.label = label;
  return edge;
}

/** Statuses of the steps of an execution: the last attempt counts. */
export function stepStatuses(
  runs: readonly { step_id: string; attempt: number; status: StepStatus }[],
): Map<string, { status: StepStatus; attempts: number }> {
  const result = new Map<string, { status: StepStatus; attempts: number; last: number }>();
  for (const run of runs) {
    const seen = result.get(run.step_id);
    const attempts = Math.max(seen?.attempts ?? 0, run.attempt);
    if (!seen || run.attempt >= seen.last) result.set(run.step_id, { status: run.status, attempts, last: run.attempt });
    else seen.attempts = attempts;
  }
  return new Map([...result].map(([id, v]) => [id, { status: v.status, attempts: v.attempts }]));
}
