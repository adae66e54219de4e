/** The right-hand panel: the selected step, trigger or edge, or the workflow's settings. */

import type { App, Credential } from "../../api/types";
import { findAction } from "../../graph/catalog";
import { singleSelectedEdge, singleSelectedNode } from "../../graph/designer";
import { expressionContext, type SampleData } from "../../graph/expressions";
import { parseNodeId } from "../../graph/ids";
import { fieldProblems, otherProblems } from "../../graph/problems";
import { EdgePanel } from "./EdgePanel";
import { StepPanel } from "./StepPanel";
import { TriggerPanel } from "./TriggerPanel";
import type { DesignerModel } from "./useDesigner";
import { WorkflowPanel } from "./WorkflowPanel";

interface SidePanelProps {
  model: DesignerModel;
  apps: App[];
  credentials: Credential[];
  context: Record<string, unknown>;
  sampleContext: SampleData | null;
  onRun: () => void;
}

const STEP_FIELDS = [
  "id",
  "name",
  "credential",
  "params",
  "needs",
  "join",
  "when",
  "retry",
  "timeout",
  "on_error",
  "foreach",
];

export function SidePanel({ model, apps, credentials, context, sampleContext, onRun }: SidePanelProps) {
  const { state, def, dispatch, validation, workflow } = model;
  const nodeId = singleSelectedNode(state.selection);
  const edgeId = nodeId ? null : singleSelectedEdge(state.selection);
  const ref = nodeId ? parseNodeId(nodeId) : null;
  const errorsFor = (field: string) => (nodeId ? fieldProblems(validation.index, nodeId, field) : []);
  const generalErrors = (field: string) =>
    validation.index.general.filter((p) => p.path === field || p.path.startsWith(`${field}.`)).map((p) => p.message);
  let body = <WorkflowPanel def={def} dispatch={dispatch} errorsFor={generalErrors} />;
  if (ref?.kind === "step") {
    const step = (def.steps ?? []).find((s) => s.id === ref.id);
    const found = step ? findAction(apps, step.app, step.action) : null;
    if (step) {
      body = (
        <StepPanel
          key={step.id}
          step={step}
          def={def}
          app={found?.app ?? apps.find((a) => a.name === step.app) ?? null}
          action={found?.action ?? null}
          credentials={credentials}
          dispatch={dispatch}
          errorsFor={errorsFor}
          otherErrors={otherProblems(validation.index, nodeId as string, STEP_FIELDS).map(
            (p) => `${p.field || "step"}: ${p.message}`,
          )}
          context={expressionContext(def, sampleContext, step.id)}
        />
      );
    }
  } else if (ref?.kind === "trigger") {
    const trigger = (def.triggers ?? []).find((t) => t.id === ref.id);
    if (trigger) {
      body = (
        <TriggerPanel
          key={trigger.id}
          trigger={trigger}
          def={def}
          hooks={workflow.hooks}
          credentials={credentials}
          dispatch={dispatch}
          errorsFor={errorsFor}
          onRun={onRun}
        />
      );
    }
  } else if (edgeId) {
    body = <EdgePanel key={edgeId} edgeId={edgeId} def={def} dispatch={dispatch} context={context} />;
  }
  return (
    // Keyed by the selection so that each selection opens scrolled to its top.
    <aside key={nodeId ?? edgeId ?? "workflow"} className="side-panel" aria-label="Properties" data-testid="side-panel">
      {body}
    </aside>
  );
}
