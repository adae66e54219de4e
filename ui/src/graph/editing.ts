/**
 * Edits of a workflow definition made on the canvas: adding, connecting, deleting, copying
 * and renaming. Every function returns a new definition and leaves unchanged steps as the
 * same objects, so memoised nodes of untouched steps do not re-render.
 */

import { parseEdgeId, parseNodeId, stepNodeId, triggerNodeId, uniqueId } from "./ids";
import type { EdgeKind, Position, Step, Trigger, TriggerType, WorkflowDefinition } from "./types";
import { compactNeeds, edgesOf } from "./types";

function steps(def: WorkflowDefinition): Step[] {
  return def.steps ?? [];
}

function triggers(def: WorkflowDefinition): Trigger[] {
  return def.triggers ?? [];
}

/** Replace one step by id; the other steps keep their identity. */
export function updateStep(def: WorkflowDefinition, id: string, patch: Partial<Step>): WorkflowDefinition {
  return { ...def, steps: steps(def).map((s) => (s.id === id ? { ...s, ...patch } : s)) };
}

/** Replace one trigger by id. */
export function updateTrigger(def: WorkflowDefinition, id: string, patch: Partial<Trigger>): WorkflowDefinition {
  const next = triggers(def).map((t) => (t.id === id ? ({ ...t, ...patch } as Trigger) : t));
  return { ...def, triggers: next };
}

/** Add a step for an app action at a canvas position; returns the new step's id too. */
export function addStep(
  def: WorkflowDefinition,
  app: string,
  action: string,
  position: Position,
): { def: WorkflowDefinition; id: string } {
  const id = uniqueId(
    action,
    steps(def).map((s) => s.id),
  );
  const step: Step = { id, app, action, params: {}, position: roundPosition(position) };
  return { def: { ...def, steps: [...steps(def), step] }, id };
}

const TRIGGER_DEFAULTS: Record<TriggerType, Partial<Trigger>> = {
  webhook: {},
  schedule: { cron: "*/5 * * * *", timezone: "UTC" },
  manual: {},
};

/** Add a trigger of a type; its id is the type name, made unique. */
export function addTrigger(
  def: WorkflowDefinition,
  type: TriggerType,
  position: Position,
): { def: WorkflowDefinition; id: string } {
  const id = uniqueId(
    type,
    triggers(def).map((t) => t.id),
  );
  const trigger = { id, type, ...TRIGGER_DEFAULTS[type], position: roundPosition(position) } as Trigger;
  return { def: { ...def, triggers: [...triggers(def), trigger] }, id };
}

/** Whether `ancestor` is reachable backwards from `stepId` through needs. */
function dependsOn(def: WorkflowDefinition, stepId: string, ancestor: string): boolean {
  const byId = new Map(steps(def).map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [stepId];
  while (stack.length) {
    const current = stack.pop() as string;
    if (current === ancestor) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    const step = byId.get(current);
    if (step) stack.push(...edgesOf(step).map((e) => e.step));
  }
  return false;
}

/**
 * Why a connection from one node to another is refused, or null when it is allowed. Steps
 * without incoming edges start from the triggers, so a trigger may only point at such steps.
 */
export function connectionProblem(def: WorkflowDefinition, source: string, target: string): string | null {
  const from = parseNodeId(source);
  const to = parseNodeId(target);
  if (!from || !to) return "unknown node";
  if (to.kind === "trigger") return "a trigger cannot be the target of an edge";
  const step = steps(def).find((s) => s.id === to.id);
  if (!step) return "unknown step";
  if (from.kind === "trigger") {
    return edgesOf(step).length ? "this step already runs after another step" : null;
  }
  if (from.id === to.id) return "a step cannot depend on itself";
  if (edgesOf(step).some((e) => e.step === from.id)) return "these steps are already connected";
  if (dependsOn(def, from.id, to.id)) return "this edge would create a cycle";
  return null;
}

/** Add an edge `source → target` of a kind; unchanged when the connection is refused. */
export function connect(
  def: WorkflowDefinition,
  source: string,
  target: string,
  kind: EdgeKind = "success",
): WorkflowDefinition {
  if (connectionProblem(def, source, target) !== null) return def;
  const from = parseNodeId(source);
  const to = parseNodeId(target);
  if (!from || !to || from.kind === "trigger") return def;
  const step = steps(def).find((s) => s.id === to.id) as Step;
  const needs = [...edgesOf(step), { step: from.id, on: kind }];
  return updateStep(def, to.id, { needs: compactNeeds(needs) });
}

/** Change the kind of a step-to-step edge (success, failure = error edge, always). */
export function setEdgeKind(def: WorkflowDefinition, id: string, kind: EdgeKind): WorkflowDefinition {
  const ends = edgeEnds(id);
  if (!ends) return def;
  const step = steps(def).find((s) => s.id === ends.target);
  if (!step) return def;
  const needs = edgesOf(step).map((e) => (e.step === ends.source ? { ...e, on: kind } : e));
  return updateStep(def, ends.target, { needs: compactNeeds(needs) });
}

function edgeEnds(id: string): { source: string; target: string } | null {
  const ends = parseEdgeId(id);
  const from = ends && parseNodeId(ends.source);
  const to = ends && parseNodeId(ends.target);
  if (!from || !to || from.kind !== "step" || to.kind !== "step") return null;
  return { source: from.id, target: to.id };
}

/** Remove edges by id. Trigger edges are implied by the graph and cannot be removed. */
export function removeEdges(def: WorkflowDefinition, ids: Iterable<string>): WorkflowDefinition {
  let next = def;
  for (const id of ids) {
    const ends = edgeEnds(id);
    const step = ends && steps(next).find((s) => s.id === ends.target);
    if (!ends || !step) continue;
    const needs = edgesOf(step).filter((e) => e.step !== ends.source);
    next = updateStep(next, ends.target, { needs: compactNeeds(needs) });
  }
  return next;
}

/** Remove nodes (steps and triggers) by node id, with every edge that touches them. */
export function removeNodes(def: WorkflowDefinition, nodeIds: Iterable<string>): WorkflowDefinition {
  const stepIds = new Set<string>();
  const triggerIds = new Set<string>();
  for (const nodeId of nodeIds) {
    const ref = parseNodeId(nodeId);
    if (ref?.kind === "step") stepIds.add(ref.id);
    if (ref?.kind === "trigger") triggerIds.add(ref.id);
  }
  if (!stepIds.size && !triggerIds.size) return def;
  const kept = steps(def)
    .filter((s) => !stepIds.has(s.id))
    .map((s) => {
      const needs = edgesOf(s);
      const remaining = needs.filter((e) => !stepIds.has(e.step));
      return remaining.length === needs.length ? s : { ...s, needs: compactNeeds(remaining) };
    });
  return { ...def, steps: kept, triggers: triggers(def).filter((t) => !triggerIds.has(t.id)) };
}

/** Move nodes; positions are rounded so saved documents stay tidy. */
export function moveNodes(def: WorkflowDefinition, moves: Map<string, Position>): WorkflowDefinition {
  if (!moves.size) return def;
  const place = <T extends { id: string; position?: Position | null }>(item: T, nodeId: string): T => {
    const position = moves.get(nodeId);
    return position ? { ...item, position: roundPosition(position) } : item;
  };
  return {
    ...def,
    steps: steps(def).map((s) => place(s, stepNodeId(s.id))),
    triggers: triggers(def).map((t) => place(t, triggerNodeId(t.id))),
  };
}

function roundPosition(position: Position): Position {
  return { x: Math.round(position.x), y: Math.round(position.y) };
}

const REFERENCE = /\bsteps\.([A-Za-z_][A-Za-z0-9_]*)\b/g;

/** Rewrite `steps.<old>` references in every string of a JSON value. */
export function renameReferences(value: unknown, renames: Map<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(REFERENCE, (match, id: string) => {
      const renamed = renames.get(id);
      return renamed ? `steps.${renamed}` : match;
    });
  }
  if (Array.isArray(value)) return value.map((item) => renameReferences(item, renames));
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, renameReferences(v, renames)]);
    return Object.fromEntries(entries);
  }
  return value;
}

function renameInStep(step: Step, renames: Map<string, string>): Step {
  const needs = edgesOf(step).map((e) => ({ ...e, step: renames.get(e.step) ?? e.step }));
  const patch: Partial<Step> = {
    id: renames.get(step.id) ?? step.id,
    needs: compactNeeds(needs),
    params: renameReferences(step.params ?? {}, renames) as Record<string, unknown>,
  };
  if (step.when) patch.when = renameReferences(step.when, renames) as string;
  if (step.foreach) patch.foreach = { ...step.foreach, items: renameReferences(step.foreach.items, renames) };
  return { ...step, ...patch };
}

/** Rename a step and every reference to it (needs and `steps.<id>` in expressions). */
export function renameStep(def: WorkflowDefinition, from: string, to: string): WorkflowDefinition {
  if (from === to || steps(def).some((s) => s.id === to)) return def;
  const renames = new Map([[from, to]]);
  const output = def.output === undefined ? undefined : renameReferences(def.output, renames);
  const next: WorkflowDefinition = { ...def, steps: steps(def).map((s) => renameInStep(s, renames)) };
  if (output !== undefined) next.output = output;
  return next;
}

/** The selected steps, as copied to the clipboard (edges to unselected steps dropped). */
export function copySteps(def: WorkflowDefinition, stepIds: Iterable<string>): Step[] {
  const chosen = new Set(stepIds);
  return steps(def)
    .filter((s) => chosen.has(s.id))
    .map((s) => ({ ...s, needs: compactNeeds(edgesOf(s).filter((e) => chosen.has(e.step))) }));
}

/** Paste copied steps with fresh ids, shifted by `offset`; their internal edges follow. */
export function pasteSteps(
  def: WorkflowDefinition,
  copied: Step[],
  offset: Position = { x: 40, y: 40 },
): { def: WorkflowDefinition; ids: string[] } {
  const taken = steps(def).map((s) => s.id);
  const renames = new Map<string, string>();
  for (const step of copied) {
    const id = uniqueId(step.id, [...taken, ...renames.values()]);
    renames.set(step.id, id);
  }
  const pasted = copied.map((step) => {
    const moved = renameInStep(step, renames);
    const at = step.position ?? { x: 0, y: 0 };
    return { ...moved, position: roundPosition({ x: at.x + offset.x, y: at.y + offset.y }) };
  });
  return { def: { ...def, steps: [...steps(def), ...pasted] }, ids: [...renames.values()] };
}
