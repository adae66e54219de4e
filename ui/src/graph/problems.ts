/**
 * Place validation problems from the API on the canvas. A path such as
 * `steps[2].params.title` names the third step's `params.title` field; the step's id is read
 * from the definition that was validated, because indexes shift when steps are deleted.
 */

import type { Problem } from "../api/types";
import { stepNodeId, triggerNodeId } from "./ids";
import type { WorkflowDefinition } from "./types";

export interface LocatedProblem extends Problem {
  /** Canvas node id (`step:<id>` / `trigger:<id>`), or null for workflow-level problems. */
  nodeId: string | null;
  /** Field inside the node, for example `params.title` or `retry.attempts`; "" for the node. */
  field: string;
}

export interface ProblemIndex {
  all: LocatedProblem[];
  byNode: Map<string, LocatedProblem[]>;
  general: LocatedProblem[];
}

const ITEM_PATH = /^(steps|triggers)(?:\[(\d+)\]|\.([A-Za-z_][A-Za-z0-9_]*))(?:\.(.*)|(\[.*))?$/;

function itemId(def: WorkflowDefinition, kind: string, index?: string, name?: string): string | null {
  const items: { id: string }[] = (kind === "steps" ? def.steps : def.triggers) ?? [];
  if (index !== undefined) return items[Number(index)]?.id ?? null;
  if (name !== undefined && items.some((item) => item.id === name)) return name;
  if (name !== undefined && /^\d+$/.test(name)) return items[Number(name)]?.id ?? null;
  return null;
}

/** Find the node and field a problem path points at. */
export function locateProblem(def: WorkflowDefinition, problem: Problem): LocatedProblem {
  const match = ITEM_PATH.exec(problem.path.trim());
  if (!match) return { ...problem, nodeId: null, field: problem.path };
  const [, kind, index, name, field, bracket] = match;
  const id = itemId(def, kind as string, index, name);
  if (id === null) return { ...problem, nodeId: null, field: problem.path };
  const nodeId = kind === "steps" ? stepNodeId(id) : triggerNodeId(id);
  return { ...problem, nodeId, field: field ?? bracket ?? "" };
}

/** Group problems by node; those of the workflow itself land in `general`. */
export function indexProblems(def: WorkflowDefinition, problems: Problem[]): ProblemIndex {
  const all = problems.map((p) => locateProblem(def, p));
  const byNode = new Map<string, LocatedProblem[]>();
  const general: LocatedProblem[] = [];
  for (const problem of all) {
    if (problem.nodeId === null) {
      general.push(problem);
      continue;
    }
    const list = byNode.get(problem.nodeId) ?? [];
    list.push(problem);
    byNode.set(problem.nodeId, list);
  }
  return { all, byNode, general };
}

/** Messages for one field of a node; a field also collects problems of its sub-fields. */
export function fieldProblems(index: ProblemIndex, nodeId: string, field: string): string[] {
  return (index.byNode.get(nodeId) ?? [])
    .filter((p) => p.field === field || p.field.startsWith(`${field}.`) || p.field.startsWith(`${field}[`))
    .map((p) => p.message);
}

/** Problems of a node that no form field shows (unknown fields, the node as a whole). */
export function otherProblems(index: ProblemIndex, nodeId: string, shownFields: string[]): LocatedProblem[] {
  const shown = (p: LocatedProblem) =>
    shownFields.some((f) => p.field === f || p.field.startsWith(`${f}.`) || p.field.startsWith(`${f}[`));
  return (index.byNode.get(nodeId) ?? []).filter((p) => !shown(p));
}

export const EMPTY_PROBLEMS: ProblemIndex = { all: [], byNode: new Map(), general: [] };
