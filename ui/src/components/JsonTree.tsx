/** A collapsible, searchable JSON tree with copy buttons (step input, result, payload). */

import { memo, useCallback, useMemo, useState } from "react";

import { childPath, searchJson, summary, toCopyText, type JsonPath } from "../graph/jsonTree";
import { CopyButton } from "./CopyButton";

const PAGE = 200;

interface NodeProps {
  name: string | number | null;
  value: unknown;
  path: JsonPath;
  depth: number;
  isOpen: (path: JsonPath) => boolean;
  toggle: (path: JsonPath) => void;
  matches: ReadonlySet<JsonPath>;
}

function Scalar({ value }: { value: unknown }) {
  const kind = value === null ? "null" : typeof value;
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return <span className={`json-${kind}`}>{text}</span>;
}

const JsonNode = memo(function JsonNode({ name, value, path, depth, isOpen, toggle, matches }: NodeProps) {
  const [shown, setShown] = useState(PAGE);
  const container = value !== null && typeof value === "object";
  const open = container && isOpen(path);
  const label =
    name === null ? null : (
      <span className={`json-key${matches.has(path) ? " json-match" : ""}`}>
        {typeof name === "number" ? name : `${name}`}:{" "}
      </span>
    );
  if (!container) {
    return (
      <div className={`json-row${matches.has(path) ? " json-match-row" : ""}`} style={{ paddingLeft: depth * 14 }}>
        {label}
        <Scalar value={value} />
      </div>
    );
  }
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value as object);
  return (
    <div>
      <div className="json-row" style={{ paddingLeft: depth * 14 }}>
        <button
          type="button"
          className="json-toggle"
          aria-expanded={open}
          onClick={() => toggle(path)}
          data-testid="json-toggle"
        >
          {open ? "▾" : "▸"}
        </button>
        {label}
        <span className="muted">{summary(value)}</span>
        <CopyButton text={() => toCopyText(value)} label="Copy" testId="json-copy-node" />
      </div>
      {open
        ? entries
            .slice(0, shown)
            .map(([key, child]) => (
              <JsonNode
                key={key}
                name={key}
                value={child}
                path={childPath(path, key)}
                depth={depth + 1}
                isOpen={isOpen}
                toggle={toggle}
                matches={matches}
              />
            ))
        : null}
      {open && entries.length > shown ? (
        <button
          type="button"
          className="link"
          style={{ marginLeft: (depth + 1) * 14 }}
          onClick={() => setShown(shown + PAGE)}
        >
          show {Math.min(PAGE, entries.length - shown)} more of {entries.length - shown}
        </button>
      ) : null}
    </div>
  );
});

interface JsonTreeProps {
  value: unknown;
  title: string;
  testId: string;
  /** Levels open at first. */
  openDepth?: number;
}

function initiallyOpen(value: unknown, depth: number): Set<JsonPath> {
  const open = new Set<JsonPath>();
  const visit = (node: unknown, path: JsonPath, level: number) => {
    if (level >= depth || node === null || typeof node !== "object") return;
    open.add(path);
    const entries = Array.isArray(node) ? node.map((v, i) => [i, v] as const) : Object.entries(node as object);
    for (const [key, child] of entries.slice(0, 50)) visit(child, childPath(path, key), level + 1);
  };
  visit(value, "$", 0);
  return open;
}

export function JsonTree({ value, title, testId, openDepth = 2 }: JsonTreeProps) {
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState(() => initiallyOpen(value, openDepth));
  const search = useMemo(() => searchJson(value, query), [value, query]);
  const isOpen = useCallback((path: JsonPath) => open.has(path) || search.open.has(path), [open, search]);
  const toggle = useCallback(
    (path: JsonPath) =>
      setOpen((current) => {
        const next = new Set(current);
        if (next.has(path) || search.open.has(path)) next.delete(path);
        else next.add(path);
        return next;
      }),
    [search],
  );
  return (
    <section className="json-tree" data-testid={testId} aria-label={title}>
      <header className="json-tree-header">
        <h4>{title}</h4>
        <input
          type="search"
          placeholder="Search keys and values"
          aria-label={`Search ${title}`}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          data-testid={`${testId}-search`}
        />
        {query ? (
          <span className="muted">
            {search.matches.size} match{search.matches.size === 1 ? "" : "es"}
          </span>
        ) : null}
        <CopyButton text={() => toCopyText(value)} label="Copy all" testId={`${testId}-copy`} />
      </header>
      <div className="json-body" data-testid={`${testId}-body`}>
        <JsonNode
          name={null}
          value={value}
          path="$"
          depth={0}
          isOpen={isOpen}
          toggle={toggle}
          matches={search.matches}
        />
      </div>
    </section>
  );
}
