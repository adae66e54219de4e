/** Workflows list: search, create, import, export, duplicate, enable/disable and delete. */

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { Link, useNavigate } from "react-router";

import type { WorkflowSummary } from "../api/types";
import { useApi } from "../app/context";
import { downloadText, slug } from "../app/download";
import { useNotify } from "../app/toasts";
import { EmptyState, ErrorBox, Loading } from "../components/Feedback";
import { ConfirmDialog } from "../components/Modal";
import { Time } from "../components/Status";
import { ImportDialog } from "./ImportDialog";

const NEW_WORKFLOW = {
  format: 1 as const,
  name: "Untitled workflow",
  triggers: [{ id: "webhook", type: "webhook" as const, position: { x: 0, y: 0 } }],
  steps: [],
};

export function WorkflowsPage() {
  const api = useApi();
  const notify = useNotify();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [search, setSearch] = useState("");
  const q = useDeferredValue(search.trim());
  const [importing, setImporting] = useState(false);
  const [deleting, setDeleting] = useState<WorkflowSummary | null>(null);
  const list = useInfiniteQuery({
    queryKey: ["workflows", q],
    queryFn: ({ pageParam }) => api.listWorkflows(q, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const refresh = () => client.invalidateQueries({ queryKey: ["workflows"] });
  const onError = (err: unknown) => notify(err instanceof Error ? err.message : String(err), "error");
  const create = useMutation({
    mutationFn: () => api.createWorkflow(NEW_WORKFLOW, "Created"),
    onSuccess: (wf) => navigate(`/workflows/${wf.id}`),
    onError,
  });
  const toggle = useMutation({
    mutationFn: (wf: WorkflowSummary) => api.setWorkflowEnabled(wf.id, !wf.enabled),
    onSuccess: (wf) => {
      notify(`${wf.name} ${wf.enabled ? "enabled" : "disabled"}`, "success");
      void refresh();
    },
    onError,
  });
  const duplicate = useMutation({
    mutationFn: async (wf: WorkflowSummary) => {
      const full = await api.getWorkflow(wf.id);
      return api.createWorkflow(
        { ...full.definition, name: `${full.definition.name} (copy)` },
        `Copied from ${wf.name}`,
      );
    },
    onSuccess: (wf) => {
      notify(`Created ${wf.name}`, "success");
      void refresh();
    },
    onError,
  });
  const remove = useMutation({
    mutationFn: (wf: WorkflowSummary) => api.deleteWorkflow(wf.id),
    onSuccess: () => {
      notify("Workflow deleted", "success");
      setDeleting(null);
      void refresh();
    },
    onError,
  });
  const exportWorkflow = async (wf: WorkflowSummary, format: "yaml" | "json") => {
    try {
      const text = await api.exportWorkflow(wf.id, format);
      downloadText(
        `${slug(wf.name)}.${format === "yaml" ? "yaml" : "json"}`,
        text,
        format === "yaml" ? "text/yaml" : "application/json",
      );
    } catch (err) {
      onError(err);
    }
  };
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <div className="page" data-testid="workflows-page">
      <header className="page-header">
        <h1>Workflows</h1>
        <input
          type="search"
          className="search"
          placeholder="Search by name, tag or description"
          aria-label="Search workflows"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="workflow-search"
        />
        <button type="button" onClick={() => setImporting(true)} data-testid="import-workflow">
          Import
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => create.mutate()}
          disabled={create.isPending}
          data-testid="create-workflow"
        >
          New workflow
        </button>
      </header>
      {list.isPending ? <Loading /> : null}
      {list.isError ? <ErrorBox error={list.error} onRetry={() => void list.refetch()} /> : null}
      {list.isSuccess && !items.length ? (
        <EmptyState title={q ? "No workflow matches this search" : "No workflows yet"} testId="workflows-empty">
          <p>Create one and drag actions onto the canvas, or import a YAML/JSON document.</p>
        </EmptyState>
      ) : null}
      {items.length ? (
        <table className="table" data-testid="workflows-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Enabled</th>
              <th>Triggers</th>
              <th>Steps</th>
              <th>Revision</th>
              <th>Updated</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((wf) => (
              <tr key={wf.id} data-testid="workflow-row" data-workflow-id={wf.id}>
                <td>
                  <Link to={`/workflows/${wf.id}`} data-testid="workflow-link">
                    {wf.name}
                  </Link>
                  {wf.description ? <div className="muted small-text">{wf.description}</div> : null}
                  {wf.tags.length ? (
                    <div className="tags">
                      {wf.tags.map((t) => (
                        <span key={t} className="tag">
                          {t}
                        </span>
                      ))}
                    </div>
                  ) : null}
                </td>
                <td>
                  <label className="switch">
                    <input
                      type="checkbox"
                      checked={wf.enabled}
                      onChange={() => toggle.mutate(wf)}
                      aria-label={`Enable ${wf.name}`}
                      data-testid="workflow-enabled"
                    />
                    <span>{wf.enabled ? "on" : "off"}</span>
                  </label>
                </td>
                <td>{wf.triggers.map((t) => t.type).join(", ") || "—"}</td>
                <td>{wf.step_count}</td>
                <td>{wf.revision}</td>
                <td>
                  <Time value={wf.updated_at} />
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="small"
                    onClick={() => void exportWorkflow(wf, "yaml")}
                    aria-label={`Export ${wf.name} as YAML`}
                    data-testid="workflow-export-yaml"
                  >
                    YAML
                  </button>
                  <button
                    type="button"
                    className="small"
                    onClick={() => void exportWorkflow(wf, "json")}
                    aria-label={`Export ${wf.name} as JSON`}
                    data-testid="workflow-export-json"
                  >
                    JSON
                  </button>
                  <button
                    type="button"
                    className="small"
                    onClick={() => duplicate.mutate(wf)}
                    data-testid="workflow-duplicate"
                  >
                    Duplicate
                  </button>
                  <button
                    type="button"
                    className="small danger"
                    onClick={() => setDeleting(wf)}
                    data-testid="workflow-delete"
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.hasNextPage ? (
        <button
          type="button"
          onClick={() => void list.fetchNextPage()}
          disabled={list.isFetchingNextPage}
          data-testid="workflows-more"
        >
          Load more
        </button>
      ) : null}
      {importing ? (
        <ImportDialog
          onClose={() => setImporting(false)}
          onImported={(wf) => {
            setImporting(false);
            void refresh();
            navigate(`/workflows/${wf.id}`);
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete workflow"
          message={`Delete “${deleting.name}” with its revisions and hooks? Executions already recorded stay.`}
          confirmLabel="Delete"
          danger
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => setDeleting(null)}
        />
      ) : null}
    </div>
  );
}
