/**
 * The OpenAPI import dialog's logic: reading the chosen file, deciding what to send, and
 * presenting the server's answer (its warnings grouped so a long list stays readable).
 *
 * The server alone decides whether a document is OpenAPI; nothing here second-guesses it.
 */

import type { ImportedApp } from "../api/apps";
import type { App } from "../api/types";

/** Past this a document is refused before upload: the largest real ones are a few megabytes. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

/** A document read from a file, kept out of the textarea so a large one stays responsive. */
export interface FileDocument {
  name: string;
  size: number;
  text: string;
}

/** The parts of a `File` this module uses (so tests can pass plain objects). */
export type DocumentFile = Pick<File, "name" | "size" | "text">;

/** `1.2 MB`, `300 KB`, `12 bytes`. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} byte${bytes === 1 ? "" : "s"}`;
}

/** Read a chosen file; throws an `Error` with a message for the user when it cannot be used. */
export async function readDocumentFile(file: DocumentFile): Promise<FileDocument> {
  if (file.size > MAX_DOCUMENT_BYTES) {
    throw new Error(`${file.name} is ${formatSize(file.size)}; the limit is ${formatSize(MAX_DOCUMENT_BYTES)}`);
  }
  let text: string;
  try {
    text = await file.text();
  } catch (err) {
    throw new Error(`cannot read ${file.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!text.trim()) throw new Error(`${file.name} is empty`);
  return { name: file.name, size: file.size, text };
}

/** The text to send: the chosen file, else the pasted text; null when there is nothing. */
export function documentToSend(file: FileDocument | null, pasted: string): string | null {
  if (file) return file.text;
  return pasted.trim() ? pasted : null;
}

const OPERATION = /^((GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) |path )\//;

export interface WarningGroup {
  /** Stable key, also used in test ids. */
  key: "skipped" | "operations" | "document" | "general";
  title: string;
  items: string[];
}

export interface WarningSummary {
  total: number;
  /** Operations or paths that the import left out (each is one warning). */
  skipped: number;
  groups: WarningGroup[];
}

function warningGroup(warning: string): WarningGroup["key"] {
  const operation = OPERATION.test(warning);
  if (operation && /(: skipped:|; skipped$)/.test(warning)) return "skipped";
  if (warning.startsWith("document check")) return "document";
  return operation ? "operations" : "general";
}

const GROUP_TITLES: Record<WarningGroup["key"], string> = {
  skipped: "Operations left out",
  general: "About the document",
  operations: "Operations imported with changes",
  document: "Document check",
};

/** Group the import warnings: left-out operations first, as they matter most. */
export function summariseWarnings(warnings: readonly string[]): WarningSummary {
  const byKey = new Map<WarningGroup["key"], string[]>();
  for (const warning of warnings) {
    const key = warningGroup(warning);
    byKey.set(key, [...(byKey.get(key) ?? []), warning]);
  }
  const order = Object.keys(GROUP_TITLES) as WarningGroup["key"][];
  const groups = order
    .filter((key) => byKey.has(key))
    .map((key) => ({ key, title: GROUP_TITLES[key], items: byKey.get(key) ?? [] }));
  return { total: warnings.length, skipped: byKey.get("skipped")?.length ?? 0, groups };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** One line for the import's outcome, e.g. `Imported misp (version 2): 148 actions, 1 warning.` */
export function importHeadline(result: ImportedApp): string {
  const { skipped, total } = summariseWarnings(result.warnings);
  const left = skipped ? `, ${plural(skipped, "operation")} left out` : "";
  const warned = total ? `, ${plural(total, "warning")}` : ", no warnings";
  return `Imported ${result.name} (version ${result.version}): ${plural(result.actions, "action")}${left}${warned}.`;
}

/** Whether an app came from an OpenAPI import (only those can be deleted). */
export function isImported(app: Pick<App, "source">): boolean {
  return app.source === "openapi";
}

/** The badge of an imported app: `OpenAPI v3` once its import version is known. */
export function openApiBadge(importVersion: number | undefined): string {
  return importVersion === undefined ? "OpenAPI" : `OpenAPI v${importVersion}`;
}
