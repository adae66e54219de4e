/**
 * Search in JSON values for the collapsible tree viewer: which paths match a query (by key or
 * by scalar value) and which containers must be open to show them.
 */

export type JsonPath = string;

/** Path of a child: `$.a.b[2]`, keys that are not identifiers in brackets. */
export function childPath(parent: JsonPath, key: string | number): JsonPath {
  if (typeof key === "number") return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export interface SearchResult {
  /** Paths whose key or scalar value contains the query. */
  matches: Set<JsonPath>;
  /** Containers to expand so every match is visible. */
  open: Set<JsonPath>;
}

function scalarText(value: unknown): string {
  return value === null ? "null" : String(value);
}

/** Search a value; an empty query matches nothing. Stops after `limit` matches. */
export function searchJson(value: unknown, query: string, limit = 500): SearchResult {
  const result: SearchResult = { matches: new Set(), open: new Set() };
  const needle = query.trim().toLowerCase();
  if (!needle) return result;
  const visit = (node: unknown, path: JsonPath, key: string, ancestors: JsonPath[]): void => {
    if (result.matches.size >= limit) return;
    const isContainer = node !== null && typeof node === "object";
    const hit = key.toLowerCase().includes(needle) || (!isContainer && scalarText(node).toLowerCase().includes(needle));
    if (hit) {
      result.matches.add(path);
      for (const ancestor of ancestors) result.open.add(ancestor);
    }
    if (!isContainer) return;
    const entries = Array.isArray(node) ? node.map((v, i) => [i, v] as const) : Object.entries(node as object);
    for (const [childKey, child] of entries) {
      visit(child, childPath(path, childKey), typeof childKey === "number" ? "" : childKey, [...ancestors, path]);
    }
  };
  visit(value, "$", "", []);
  return result;
}

/** A one-line preview of a container: `{3 keys}` or `[5 items]`. */
export function summary(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? "" : "s"}]`;
  if (value !== null && typeof value === "object") {
    const count = Object.keys(value).length;
    return `{${count} key${count === 1 ? "" : "s"}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

/** The value as pretty JSON, for the copy buttons. */
export function toCopyText(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2) ?? "null";
}
