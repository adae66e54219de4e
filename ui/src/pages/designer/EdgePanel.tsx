/** The side panel of a selected edge: its kind (success, error edge, always) and condition. */

import { Field } from "../../components/Field";
import type { DesignerAction } from "../../graph/designer";
import { removeEdges, setEdgeKind, updateStep } from "../../graph/editing";
import { parseEdgeId, parseNodeId } from "../../graph/ids";
import type { EdgeKind, WorkflowDefinition } from "../../graph/types";
import { edgesOf } from "../../graph/types";
import { ExpressionInput } from "./ExpressionInput";

interface EdgePanelProps {
  edgeId: string;
  def: WorkflowDefinition;
  dispatch: (action: DesignerAction) => void;
  context: Record<string, unknown>;
}

export function EdgePanel({ edgeId, def, dispatch, context }: EdgePanelProps) {
  const ends = parseEdgeId(edgeId);
  const from = ends && parseNodeId(ends.source);
  const to = ends && parseNodeId(ends.target);
  const target = to && (def.steps ?? []).find((s) => s.id === to.id);
  const need = target && from && edgesOf(target).find((e) => e.step === from.id);
  if (!from || !target || !need) return <p className="muted">This edge no longer exists.</p>;
  return (
    <div className="panel-body" data-testid="edge-panel">
      <header className="panel-header">
        <div>
          <h2>Edge</h2>
          <div className="muted small-text">
            <code>{from.id}</code> → <code>{target.id}</code>
          </div>
        </div>
        <button
          type="button"
          className="danger small"
          onClick={() => dispatch({ type: "edit", def: removeEdges(def, [edgeId]), select: [] })}
          data-testid="delete-edge"
        >
          Delete edge
        </button>
      </header>
      <Field label="Follow this edge" htmlFor="edge-kind" path="on">
        <select
          id="edge-kind"
          value={need.on}
          onChange={(e) => dispatch({ type: "edit", def: setEdgeKind(def, edgeId, e.target.value as EdgeKind) })}
          data-testid="edge-kind"
        >
          <option value="success">when {from.id} succeeded</option>
          <option value="failure">when {from.id} failed (error edge)</option>
          <option value="always">always, once {from.id} finished</option>
        </select>
      </Field>
      <Field
        label={`Condition of ${target.id} (when)`}
        htmlFor="edge-when"
        path="when"
        hint="Applies to the target step: when false it is skipped. Shown on each edge into it."
      >
        <ExpressionInput
          id="edge-when"
          value={target.when ?? ""}
          onChange={(text) =>
            dispatch({
              type: "edit",
              def: updateStep(def, target.id, { when: text.trim() ? text : null }),
              group: `${target.id}.when`,
            })
          }
          context={context}
          mode="expression"
          testId="edge-when"
        />
      </Field>
    </div>
  );
}
