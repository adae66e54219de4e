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

type FilterKey = keyof ExecutionFilters;

/** One filter chosen from a list; the empty choice ("any") removes the filter. */
function SelectFilter({
  label,
  name,
  value,
  options,
  onChange,
}: {
  label: string;
  name: FilterKey;
  value: string | undefined;
  options: readonly { value: string; label: string }[];
  onChange: (key: FilterKey, value: string) => void;
}) {
  return (
    <label>
      {label}
      <select
        value={value ?? ""}
        onChange={(e) => onChange(name, e.target.value)}
        data-testid={`filter-${name.replace("_id", "")}`}
      >
        <option value="">any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A bound of the time range, edited in local time and kept as ISO 8601 UTC. */
function TimeFilter({
  label,
  name,
  value,
  onChange,
}: {
  label: string;
  name: "since" | "until";
  value: string | undefined;
  onChange: (key: FilterKey, value: string) => void;
}) {
  return (
    <label>
      {label}
      <input
        type="datetime-local"
        value={toLocal(value)}
        onChange={(e) => onChange(name, toIso(e.target.value))}
        data-testid={`filter-${name}`}
      />
    </label>
  );
}

const asOptions = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));

function Filters({
  filters,
  onChange,
}: {
  filters: ExecutionFilters;
  onChange: (key: FilterKey, value: string) => void;
}) {
  const api = useApi();
  const workflows = useQuery({
    queryKey: ["workflows", "filter-options"],
    queryFn: () => api.listWorkflows("", null, 100),
    staleTime: 60_000,
  });
  const workflowOptions = (workflows.data?.items ?? []).map((w) => ({ value: w.id, label: w.name }));
  return (
    <div className="filters" role="search" aria-label="Filter executions">
      <SelectFilter
        label="Status"
        name="status"
        value={filters.status}
        options={asOptions(EXECUTION_STATUSES)}
        onChange={onChange}
      />
      <SelectFilter
        label="Workflow"
        name="workflow_id"
        value={filters.workflow_id}
        options={workflowOptions}
        onChange={onChange}
      />
      <SelectFilter
        label="Source"
        name="source"
        value={filters.source}
        options={asOptions(EXECUTION_SOURCES)}
        onChange={onChange}
      />
      <TimeFilter label="Since" name="since" value={filters.since} onChange={onChange} />
      <TimeFilter label="Until" name="until" value={filters.until} onChange={onChange} />
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
