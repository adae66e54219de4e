/**
 * Autocompletion of expressions (`trigger.*`, `steps.<id>.result.*`, `vars.*`) from the
 * names in the workflow and the data seen in its last execution.
 *
 * In parameters, expressions sit inside `{{ … }}`; a `when` condition is an expression as a
 * whole. The editor asks {@link completionsAt} for the options at the cursor.
 */

import type { WorkflowDefinition } from "./types";

export interface SampleData {
  /** The trigger payload of the last execution. */
  payload?: unknown;
  /** The last output of each step in that execution. */
  results?: ReadonlyMap<string, unknown>;
}

export interface Completion {
  label: string;
  /** Text that replaces the partial word before the cursor. */
  insert: string;
  detail: string;
}

export interface CompletionResult {
  /** Offset where the replaced word starts. */
  from: number;
  to: number;
  options: Completion[];
}

/** The tree that expressions see: what completion walks. */
export function expressionContext(
  def: WorkflowDefinition,
  sample: SampleData | null,
  currentStep?: string,
): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const step of def.steps ?? []) {
    if (step.id === currentStep) continue;
    const result = sample?.results?.has(step.id) ? sample.results.get(step.id) : {};
    steps[step.id] = { result, status: "succeeded", error: null };
  }
  const trigger = sample?.payload !== undefined && sample.payload !== null ? sample.payload : {};
  return { trigger, steps, vars: def.vars ?? {}, execution: { id: "" } };
}

const PATH_AT_END = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]*|\[\d*\]?)*$/;

/** Whether the cursor sits inside an open `{{` of a template. */
function insideTemplate(text: string, cursor: number): boolean {
  const before = text.slice(0, cursor);
  const open = before.lastIndexOf("{{");
  return open >= 0 && before.indexOf("}}", open) < 0;
}

/** The path segments typed so far and the partial last one; `a.b[0].c` → [a, b, 0], "c". */
export function splitPath(path: string): { parents: string[]; partial: string } {
  const tokens = path.match(/[A-Za-z0-9_]+|\.|\[\d*\]?/g) ?? [];
  const parents: string[] = [];
  let partial = "";
  for (const token of tokens) {
    if (token === ".") {
      // After an index (`hosts[0].`) the key was already pushed with the index.
      if (partial) parents.push(partial);
      partial = "";
    } else if (token.startsWith("[")) {
      if (partial) parents.push(partial);
      partial = "";
      const index = token.slice(1).replace("]", "");
      if (token.endsWith("]") && index) parents.push(index);
    } else {
      partial = token;
    }
  }
  return { parents, partial };
}

function walk(tree: unknown, parents: string[]): unknown {
  let node: unknown = tree;
  for (const key of parents) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `list (${value.length})`;
  if (value === null) return "null";
  if (typeof value === "object") return "object";
  if (typeof value === "string") return value.length > 24 ? `"${value.slice(0, 23)}…"` : JSON.stringify(value);
  return String(value);
}

function optionsFor(node: unknown, partial: string): Completion[] {
  if (Array.isArray(node)) {
    return node.length ? [{ label: "[0]", insert: "[0]", detail: describe(node[0]) }] : [];
  }
  if (node === null || typeof node !== "object") return [];
  const lower = partial.toLowerCase();
  return Object.entries(node as Record<string, unknown>)
    .filter(([key]) => key.toLowerCase().startsWith(lower) && key !== partial)
    .slice(0, 50)
    .map(([key, value]) => ({ label: key, insert: key, detail: describe(value) }));
}

/**
 * Completion options at a cursor. `template` mode completes only inside `{{ … }}`;
 * `expression` mode (a `when` condition) completes anywhere.
 */
export function completionsAt(
  text: string,
  cursor: number,
  context: Record<string, unknown>,
  mode: "template" | "expression" = "template",
): CompletionResult | null {
  if (mode === "template" && !insideTemplate(text, cursor)) return null;
  const match = PATH_AT_END.exec(text.slice(0, cursor));
  const path = match?.[0] ?? "";
  const { parents, partial } = splitPath(path);
  const node = walk(context, parents);
  const arrayIndex = Array.isArray(node) && path.endsWith("[");
  let options = optionsFor(node, partial);
  if (Array.isArray(node) && !arrayIndex && path.endsWith(".")) options = [];
  if (!options.length) return null;
  const from = cursor - (arrayIndex ? 1 : partial.length);
  return { from, to: cursor, options };
}

/** Apply a completion to the text: the new text and where the cursor goes. */
export function applyCompletion(
  text: string,
  result: CompletionResult,
  option: Completion,
): { text: string; cursor: number } {
  const next = text.slice(0, result.from) + option.insert + text.slice(result.to);
  return { text: next, cursor: result.from + option.insert.length };
}

/** Sample data from an execution's payload and step runs (the last attempt of each step). */
export function sampleFromExecution(
  payload: unknown,
  runs: readonly { step_id: string; attempt: number; output: unknown }[],
): SampleData {
  const latest = new Map<string, { attempt: number; output: unknown }>();
  for (const run of runs) {
    const seen = latest.get(run.step_id);
    if (!seen || run.attempt >= seen.attempt) latest.set(run.step_id, run);
  }
  return { payload, results: new Map([...latest].map(([id, run]) => [id, run.output])) };
}
