/** The designer's header (save, revisions, run, views) and the canvas tool row. */

import { useReactFlow } from "@xyflow/react";
import { useState } from "react";

import type { DesignerAction, DesignerState } from "../../graph/designer";
import { canRedo, canUndo } from "../../graph/history";
import { applyLayout } from "../../graph/layout";
import type { WorkflowDefinition } from "../../graph/types";

export type DesignerView = "canvas" | "yaml" | "json";

interface HeaderProps {
  name: string;
  revision: number;
  enabled: boolean;
  dirty: boolean;
  saving: boolean;
  view: DesignerView;
  onView: (view: DesignerView) => void;
  onSave: (message: string) => void;
  onRevisions: () => void;
  onRun: () => void;
}

export function DesignerHeader({
  name,
  revision,
  enabled,
  dirty,
  saving,
  view,
  onView,
  onSave,
  onRevisions,
  onRun,
}: HeaderProps) {
  const [message, setMessage] = useState("");
  return (
    <header className="designer-header">
      <h1 data-testid="designer-title">{name || "Untitled workflow"}</h1>
      <span className="tag" data-testid="designer-revision">
        rev {revision}
      </span>
      {!enabled ? <span className="tag warn">disabled</span> : null}
      <span className={`save-state${dirty ? " dirty" : ""}`} data-testid="save-state">
        {saving ? "saving…" : dirty ? "unsaved changes" : "saved"}
      </span>
      <div className="view-tabs" role="tablist" aria-label="View">
        {(["canvas", "yaml", "json"] as const).map((v) => (
          <button
            key={v}
            type="button"
            role="tab"
            aria-selected={view === v}
            className={view === v ? "active" : undefined}
            onClick={() => onView(v)}
            data-testid={`view-${v}`}
          >
            {v === "canvas" ? "Canvas" : v.toUpperCase()}
          </button>
        ))}
      </div>
      <span className="spacer" />
      <input
        className="save-message"
        placeholder="Change note (optional)"
        aria-label="Change note"
        value={message}
        onChange={(e) => setMessage(e.target.value)}
        data-testid="save-message"
      />
      <button
        type="button"
        className="primary"
        disabled={saving}
        onClick={() => {
          onSave(message);
          setMessage("");
        }}
        title="Save (Ctrl+S)"
        data-testid="save-workflow"
      >
        Save
      </button>
      <button type="button" onClick={onRevisions} data-testid="open-revisions">
        Revisions
      </button>
      <button type="button" onClick={onRun} data-testid="run-workflow">
        Run…
      </button>
    </header>
  );
}

interface CanvasToolsProps {
  state: DesignerState;
  def: WorkflowDefinition;
  dispatch: (action: DesignerAction) => void;
}

export function CanvasTools({ state, def, dispatch }: CanvasToolsProps) {
  const flow = useReactFlow();
  const fit = () => window.requestAnimationFrame(() => void flow.fitView({ padding: 0.2, duration: 200 }));
  const hasSelection = state.selection.size > 0;
  return (
    <div className="canvas-tools" role="toolbar" aria-label="Canvas">
      <button
        type="button"
        className="small"
        disabled={!canUndo(state.history)}
        onClick={() => dispatch({ type: "undo" })}
        title="Undo (Ctrl+Z)"
        data-testid="undo"
      >
        Undo
      </button>
      <button
        type="button"
        className="small"
        disabled={!canRedo(state.history)}
        onClick={() => dispatch({ type: "redo" })}
        title="Redo (Ctrl+Shift+Z)"
        data-testid="redo"
      >
        Redo
      </button>
      <button
        type="button"
        className="small"
        disabled={!hasSelection}
        onClick={() => dispatch({ type: "copy" })}
        title="Copy (Ctrl+C)"
        data-testid="copy-selection"
      >
        Copy
      </button>
      <button
        type="button"
        className="small"
        disabled={!state.clipboard.length}
        onClick={() => dispatch({ type: "paste" })}
        title="Paste (Ctrl+V)"
        data-testid="paste"
      >
        Paste
      </button>
      <button
        type="button"
        className="small danger"
        disabled={!hasSelection}
        onClick={() => dispatch({ type: "delete" })}
        title="Delete (Del)"
        data-testid="delete-selection"
      >
        Delete
      </button>
      <span className="divider" />
      <button type="button" className="small" onClick={fit} title="Zoom to fit" data-testid="zoom-fit">
        Fit
      </button>
      <button
        type="button"
        className="small"
        onClick={() => {
          dispatch({ type: "edit", def: applyLayout(def, true) });
          fit();
        }}
        title="Arrange the nodes automatically"
        data-testid="auto-layout"
      >
        Auto-layout
      </button>
      <span className="muted small-text legend">
        <span className="legend-success">— success</span> <span className="legend-failure">- - error</span>{" "}
        <span className="legend-always">··· always</span>
      </span>
    </div>
  );
}
