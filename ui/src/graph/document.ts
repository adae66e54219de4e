/**
 * The YAML/JSON text view of a workflow: writing a definition as text and reading it back,
 * with a clear message for documents that do not parse.
 */

import { parse, stringify } from "yaml";

import type { WorkflowDefinition } from "./types";

export type TextFormat = "yaml" | "json";

/** The definition as a document; `format: 1` first, as the server writes it. */
export function definitionToText(def: WorkflowDefinition, format: TextFormat): string {
  const ordered = { format: 1, ...def };
  if (format === "json") return `${JSON.stringify(ordered, null, 2)}\n`;
  return stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false });
}

export type ParsedDocument = { ok: true; definition: WorkflowDefinition } | { ok: false; error: string };

/** Read a YAML or JSON document (JSON is YAML); it must be a mapping with a name. */
export function textToDefinition(text: string): ParsedDocument {
  let data: unknown;
  try {
    data = parse(text, { prettyErrors: true });
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { ok: false, error: "a workflow must be a mapping with name, triggers and steps" };
  }
  const record = data as Record<string, unknown>;
  if (record.steps !== undefined && !Array.isArray(record.steps)) return { ok: false, error: "steps must be a list" };
  if (record.triggers !== undefined && !Array.isArray(record.triggers))
    return { ok: false, error: "triggers must be a list" };
  return { ok: true, definition: data as WorkflowDefinition };
}

/** A stable text of a definition, used to tell saved from unsaved changes. */
export function fingerprint(def: WorkflowDefinition | null | undefined): string {
  return JSON.stringify(def ?? null, (_key, value: unknown) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return value;
  });
}
