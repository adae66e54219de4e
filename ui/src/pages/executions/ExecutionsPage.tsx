/**
 * Executions list: filters by status, workflow, source and time, cursor pagination (the server
 * pages, so a table of 100,000 executions stays fast) and live updates over SSE.
 */

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { EXECUTION_SOURCES, EXECUTION_STATUSES, type ExecutionFilters } from "../../api/types";
import { useApi } from "../../app/context";
import { EmptyState, ErrorBox, Loading } from "../../components/Feedback";
import { StatusBadge, Time } from "../../components/Status";
import { formatDuration } from "../../graph/execution";

const FILTER_KEYS = ["status", "workflow_id", "source", "since", "until"] as const;

function filtersFrom(params: URLSearchParams): ExecutionFilters {
  const filters: ExecutionFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

/** `datetime-local` text (local time) ⇄ ISO 8601 UTC. */
function toIso(local: string): string {
  return local ? new Date(local).toISOString() : "";
}

function toLocal(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const offset = date.getTimezoneOffset() * 60_000;
  return new Date(date.getTime() - offset).toISOString().slice(0, 16);
}

function Filters({
  filters,
  onChange,
}: {
  filters: ExecutionFilters;
  onChange: (key: keyof ExecutionFilters, value: string) => void;
}) {
  const api = useApi();
  const workflows = useQuery({
    queryKey: ["workflows", "filter-options"],
    queryFn: () => api.listWorkflows("", null, 100),
    staleTime: 60_000,
  });
  return (
    <div className="filters" role="search" aria-label="Filter executions">
      <label>
        Status
        <select
          value={filters.status ?? ""}
          onChange={(e) => onChange("status", e.target.value)}
          data-testid="filter-status"
        >
          <option value="">any</option>
          {EXECUTION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Workflow
        <select
          value={filters.workflow_id ?? ""}
          onChange={(e) => onChange("workflow_id", e.target.value)}
          data-testid="filter-workflow"
        >
          <option value="">any</option>
          {(workflows.data?.items ?? []).map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Source
        <select
          value={filters.source ?? ""}
          onChange={(e) => onChange("source", e.target.value)}
          data-testid="filter-source"
        >
          <option value="">any</option>
          {EXECUTION_SOURCES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Since
        <input
          type="datetime-local"
          value={toLocal(filters.since)}
          onChange={(e) => onChange("since", toIso(e.target.value))}
          data-testid="filter-since"
        />
      </label>
      <label>
        Until
        <input
          type="datetime-local"
          value={toLocal(filters.until)}
          onChange={(e) => onChange("until", toIso(e.target.value))}
          data-testid="filter-until"
        />
      </label>
    </div>
  );
}

export function ExecutionsPage() {
  const api = useApi();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  // Cursors of the pages before the current one, for "Previous".
  const [cursors, setCursors] = useState<(string | null)[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const page = useQuery({
    queryKey: ["executions", filters, cursor],
    queryFn: () => api.listExecutions(filters, cursor),
    placeholderData: keepPreviousData,
  });
  const setFilter = (key: keyof ExecutionFilters, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
    setCursors([]);
    setCursor(null);
  };
  const items = page.data?.items ?? [];
  return (
    <div className="page" data-testid="executions-page">
      <header className="page-header">
        <h1>Executions</h1>
        {page.isFetching ? <span className="muted small-text">updating…</span> : null}
      </header>
      <Filters filters={filters} onChange={setFilter} />
      {page.isPending ? <Loading /> : null}
      {page.isError ? <ErrorBox error={page.error} onRetry={() => void page.refetch()} /> : null}
      {page.isSuccess && !items.length ? (
        <EmptyState title="No executions" testId="executions-empty">
          <p>
            {Object.keys(filters).length
              ? "Nothing matches these filters."
              : "Executions appear here when a webhook fires, a schedule runs or you run a workflow."}
          </p>
        </EmptyState>
      ) : null}
      {items.length ? (
        <table className="table clickable" data-testid="executions-table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Workflow</th>
              <th>Source</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr
                key={e.id}
                onClick={() => navigate(`/executions/${e.id}`)}
                data-testid="execution-row"
                data-execution-id={e.id}
                data-status={e.status}
              >
                <td>
                  <StatusBadge status={e.status} />
                </td>
                <td>
                  <Link to={`/executions/${e.id}`} onClick={(ev) => ev.stopPropagation()} data-testid="execution-link">
                    {e.workflow_name}
                  </Link>{" "}
                  <span className="muted small-text">rev {e.revision}</span>
                </td>
                <td>
                  {e.source}
                  {e.trigger_id ? <span className="muted small-text"> · {e.trigger_id}</span> : null}
                </td>
                <td>
                  <Time value={e.started_at ?? e.created_at} />
                </td>
                <td>{formatDuration(e.duration_ms)}</td>
                <td className="error-cell" title={e.error ?? undefined}>
                  {e.error ?? ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div className="pager">
        <button
          type="button"
          disabled={!cursors.length}
          onClick={() => {
            setCursor(cursors.at(-1) ?? null);
            setCursors(cursors.slice(0, -1));
          }}
          data-testid="page-previous"
        >
          ← Newer
        </button>
        <span className="muted small-text">page {cursors.length + 1}</span>
        <button
          type="button"
          disabled={!page.data?.next_cursor}
          onClick={() => {
            setCursors([...cursors, cursor]);
            setCursor(page.data?.next_cursor ?? null);
          }}
          data-testid="page-next"
        >
          Older →
        </button>
      </div>
    </div>
  );
}
