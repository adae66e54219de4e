/**
 * One execution: the workflow graph coloured by step status (live while it runs), the steps
 * with attempts, durations and timing bars, the data of each step, and cancel / rerun.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";

import type { Execution } from "../../api/types";
import { useApi } from "../../app/context";
import { useLiveSteps } from "../../app/events";
import { useNotify } from "../../app/toasts";
import { ErrorBox, Loading } from "../../components/Feedback";
import { FlowCanvas } from "../../components/FlowCanvas";
import { JsonTree } from "../../components/JsonTree";
import { StatusBadge, Time } from "../../components/Status";
import { actionIndex } from "../../graph/catalog";
import { stepStatuses } from "../../graph/convert";
import { firstFailedStep, formatDuration, isActive, stepRows, withLiveSteps } from "../../graph/execution";
import { parseNodeId, stepNodeId } from "../../graph/ids";
import { applyLayout } from "../../graph/layout";
import { StepList } from "./StepList";
import { StepDetail } from "./StepDetail";

/** Poll as a fallback while running, in case the event stream is down. */
const ACTIVE_POLL_MS = 3000;

function Actions({
  execution,
  failedStep,
  selectedStep,
}: {
  execution: Execution;
  failedStep: string | null;
  selectedStep: string | null;
}) {
  const api = useApi();
  const notify = useNotify();
  const navigate = useNavigate();
  const client = useQueryClient();
  const onError = (err: Error) => notify(err.message, "error");
  const cancel = useMutation({
    mutationFn: () => api.cancelExecution(execution.id),
    onSuccess: () => {
      notify("Cancel requested", "success");
      void client.invalidateQueries({ queryKey: ["execution", execution.id] });
    },
    onError,
  });
  const rerun = useMutation({
    mutationFn: (fromStep?: string) => api.rerunExecution(execution.id, fromStep),
    onSuccess: ({ execution_id }) => navigate(`/executions/${execution_id}`),
    onError,
  });
  const rerunFromSelected = selectedStep && selectedStep !== failedStep;
  return (
    <div className="execution-actions">
      {isActive(execution.status) ? (
        <button
          type="button"
          className="danger"
          disabled={cancel.isPending}
          onClick={() => cancel.mutate()}
          data-testid="execution-cancel"
        >
          Cancel
        </button>
      ) : null}
      <button
        type="button"
        disabled={rerun.isPending}
        onClick={() => rerun.mutate(undefined)}
        data-testid="execution-rerun"
      >
        Rerun from start
      </button>
      {failedStep ? (
        <button
          type="button"
          disabled={rerun.isPending}
          onClick={() => rerun.mutate(failedStep)}
          data-testid="execution-rerun-failed"
        >
          Rerun from failed step ({failedStep})
        </button>
      ) : null}
      {rerunFromSelected ? (
        <button
          type="button"
          disabled={rerun.isPending}
          onClick={() => rerun.mutate(selectedStep)}
          data-testid="execution-rerun-selected"
        >
          Rerun from {selectedStep}
        </button>
      ) : null}
    </div>
  );
}

function Summary({ execution }: { execution: Execution }) {
  return (
    <dl className="summary" data-testid="execution-summary">
      <dt>Source</dt>
      <dd>
        {execution.source}
        {execution.trigger_id ? ` · ${execution.trigger_id}` : ""}
      </dd>
      <dt>Queued</dt>
      <dd>
        <Time value={execution.created_at} />
      </dd>
      <dt>Started</dt>
      <dd>
        <Time value={execution.started_at} />
      </dd>
      <dt>Finished</dt>
      <dd>
        <Time value={execution.finished_at} />
      </dd>
      <dt>Duration</dt>
      <dd data-testid="execution-duration">{formatDuration(execution.duration_ms)}</dd>
    </dl>
  );
}

function ExecutionView({ execution }: { execution: Execution }) {
  const api = useApi();
  const [selected, setSelected] = useState<string | null>(null);
  const apps = useQuery({ queryKey: ["apps"], queryFn: () => api.listApps(), staleTime: 300_000 });
  const catalog = useMemo(() => actionIndex(apps.data?.items ?? []), [apps.data]);
  const def = useMemo(
    () => applyLayout(execution.definition ?? { name: execution.workflow_name }),
    [execution.definition, execution.workflow_name],
  );
  const live = useLiveSteps(execution.id);
  const active = isActive(execution.status);
  const runs = useMemo(
    () => (active ? withLiveSteps(execution.steps, live) : execution.steps),
    [active, execution.steps, live],
  );
  const rows = useMemo(() => stepRows(def, runs), [def, runs]);
  const statuses = useMemo(() => stepStatuses(runs), [runs]);
  const options = useMemo(
    () => ({
      statuses,
      catalog,
      firedTrigger: execution.trigger_id,
      selected: new Set(selected ? [stepNodeId(selected)] : []),
      editable: false,
    }),
    [statuses, catalog, execution.trigger_id, selected],
  );
  const failedStep = firstFailedStep(rows);
  const selectedRow = rows.find((r) => r.stepId === selected) ?? null;
  const onNodeClick = (nodeId: string) => {
    const ref = parseNodeId(nodeId);
    if (ref?.kind === "step") setSelected(ref.id);
  };
  return (
    <div className="page execution-page" data-testid="execution-detail" data-status={execution.status}>
      <header className="page-header">
        <h1>
          <Link to={`/workflows/${execution.workflow_id}`}>{execution.workflow_name}</Link>{" "}
          <span className="muted small-text">rev {execution.revision}</span>
        </h1>
        <StatusBadge status={execution.status} testId="execution-status" />
        <span className="muted small-text">{execution.id}</span>
        <span className="spacer" />
        <Actions execution={execution} failedStep={failedStep} selectedStep={selected} />
      </header>
      {execution.error ? (
        <div className="error-box" data-testid="execution-error">
          {execution.error}
        </div>
      ) : null}
      <div className="execution-grid">
        <div className="execution-graph">
          <ReactFlowProvider>
            <FlowCanvas def={def} options={options} testId="execution-canvas" onNodeClick={onNodeClick} />
          </ReactFlowProvider>
        </div>
        <div className="execution-side">
          <Summary execution={execution} />
          <StepList rows={rows} selected={selected} onSelect={setSelected} />
        </div>
      </div>
      {selectedRow ? <StepDetail key={selectedRow.stepId} row={selectedRow} onClose={() => setSelected(null)} /> : null}
      <div className="execution-data">
        <JsonTree
          value={execution.payload ?? null}
          title="Trigger payload (execution argument)"
          testId="execution-payload"
        />
        <JsonTree value={execution.result ?? null} title="Execution result" testId="execution-result" />
      </div>
    </div>
  );
}

export function ExecutionDetailPage() {
  const { id = "" } = useParams();
  const api = useApi();
  const query = useQuery({
    queryKey: ["execution", id],
    queryFn: () => api.getExecution(id),
    refetchInterval: (q) => (q.state.data && isActive(q.state.data.status) ? ACTIVE_POLL_MS : false),
  });
  if (query.isError)
    return <ErrorBox error={query.error} title="Cannot load this execution" onRetry={() => void query.refetch()} />;
  if (!query.data) return <Loading label="Loading the execution…" />;
  return <ExecutionView execution={query.data} />;
}
