/**
 * Canvas identifiers. Triggers and steps live in separate namespaces in a workflow (a trigger
 * and a step may both be called `manual`), so node ids carry a prefix.
 */

export type NodeKind = "trigger" | "step";

export interface NodeRef {
  kind: NodeKind;
  id: string;
}

const PREFIX: Record<NodeKind, string> = { trigger: "trigger:", step: "step:" };

export function triggerNodeId(id: string): string {
  return PREFIX.trigger + id;
}

export function stepNodeId(id: string): string {
  return PREFIX.step + id;
}

/** Split a node id into its kind and workflow id; null for anything else (edge ids too). */
export function parseNodeId(nodeId: string): NodeRef | null {
  if (nodeId.includes("->")) return null;
  if (nodeId.startsWith(PREFIX.trigger)) return { kind: "trigger", id: nodeId.slice(PREFIX.trigger.length) };
  if (nodeId.startsWith(PREFIX.step)) return { kind: "step", id: nodeId.slice(PREFIX.step.length) };
  return null;
}

/** The id of the edge from one node to another (at most one edge per pair). */
export function edgeId(source: string, target: string): string {
  return `${source}->${target}`;
}

/** Split an edge id into its source and target node ids. */
export function parseEdgeId(id: string): { source: string; target: string } | null {
  const at = id.indexOf("->");
  if (at <= 0) return null;
  return { source: id.slice(0, at), target: id.slice(at + 2) };
}

/** `base`, or `base_2`, `base_3`... whichever is not taken; always a valid identifier. */
export function uniqueId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  let clean = base
    .replace(/[^A-Za-z0-9_]/g, "_")
    .replace(/^([0-9])/, "_$1")
    .slice(0, 56);
  if (!clean) clean = "step";
  if (!used.has(clean)) return clean;
  const stem = clean.replace(/_\d+$/, "");
  for (let n = 2; ; n += 1) {
    const candidate = `${stem}_${n}`;
    if (!used.has(candidate)) return candidate;
  }
}
