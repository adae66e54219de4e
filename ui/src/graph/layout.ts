/**
 * Automatic layout of a workflow with dagre: triggers on top, each step below the steps it
 * needs. Positions are node top-left corners, as the canvas expects.
 */

import dagre from "@dagrejs/dagre";

import { stepNodeId, triggerNodeId } from "./ids";
import type { Position, WorkflowDefinition } from "./types";
import { edgesOf } from "./types";

export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 72;

export type Direction = "TB" | "LR";

interface GraphEdge {
  source: string;
  target: string;
}

/** The edges drawn on the canvas: needs, plus trigger → every step without needs. */
export function graphEdges(def: WorkflowDefinition): GraphEdge[] {
  const steps = def.steps ?? [];
  const result: GraphEdge[] = [];
  for (const step of steps) {
    const needs = edgesOf(step);
    if (needs.length === 0) {
      for (const trigger of def.triggers ?? []) {
        result.push({ source: triggerNodeId(trigger.id), target: stepNodeId(step.id) });
      }
    }
    for (const need of needs) result.push({ source: stepNodeId(need.step), target: stepNodeId(step.id) });
  }
  return result;
}

/** Top-left positions for every node, computed by dagre. */
export function computeLayout(def: WorkflowDefinition, direction: Direction = "TB"): Map<string, Position> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: direction, nodesep: 48, ranksep: 72, marginx: 24, marginy: 24 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = [
    ...(def.triggers ?? []).map((t) => triggerNodeId(t.id)),
    ...(def.steps ?? []).map((s) => stepNodeId(s.id)),
  ];
  for (const id of ids) graph.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graphEdges(def)) {
    if (graph.hasNode(edge.source) && graph.hasNode(edge.target)) graph.setEdge(edge.source, edge.target);
  }
  dagre.layout(graph);
  const positions = new Map<string, Position>();
  for (const id of ids) {
    const node = graph.node(id);
    positions.set(id, { x: Math.round(node.x - NODE_WIDTH / 2), y: Math.round(node.y - NODE_HEIGHT / 2) });
  }
  return positions;
}

/** Whether any trigger or step has no saved position (imported or hand-written documents). */
export function needsLayout(def: WorkflowDefinition): boolean {
  const items = [...(def.triggers ?? []), ...(def.steps ?? [])];
  return items.some((item) => !item.position);
}

/** Give positions to the nodes that lack one (or to all with `all`), keeping the others. */
export function applyLayout(def: WorkflowDefinition, all = false, direction: Direction = "TB"): WorkflowDefinition {
  if (!all && !needsLayout(def)) return def;
  const positions = computeLayout(def, direction);
  const place = <T extends { position?: Position | null }>(item: T, id: string): T =>
    all || !item.position ? { ...item, position: positions.get(id) ?? { x: 0, y: 0 } } : item;
  return {
    ...def,
    triggers: (def.triggers ?? []).map((t) => place(t, triggerNodeId(t.id))),
    steps: (def.steps ?? []).map((s) => place(s, stepNodeId(s.id))),
  };
}
