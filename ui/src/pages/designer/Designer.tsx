/** The Workflow Designer: palette, canvas (or text view), side panel, validation and dialogs. */

import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import type { App, Credential, Workflow } from "../../api/types";
import { useApi } from "../../app/context";
import { useNotify } from "../../app/toasts";
import { FlowCanvas } from "../../components/FlowCanvas";
import { ConfirmDialog } from "../../components/Modal";
import { actionIndex } from "../../graph/catalog";
import type { DesignerAction } from "../../graph/designer";
import { addStep, addTrigger, connect } from "../../graph/editing";
import { expressionContext, sampleFromExecution } from "../../graph/expressions";
import { stepNodeId, triggerNodeId } from "../../graph/ids";
import { NODE_HEIGHT } from "../../graph/layout";
import type { Position, TriggerType, WorkflowDefinition } from "../../graph/types";
import { DocumentView } from "./DocumentView";
import { Palette } from "./Palette";
import { RevisionsDialog } from "./RevisionsDialog";
import { RunDialog } from "./RunDialog";
import { SidePanel } from "./SidePanel";
import { CanvasTools, DesignerHeader, type DesignerView } from "./Toolbars";
import { useDesigner } from "./useDesigner";
import { ValidationList } from "./ValidationList";

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

function useShortcuts(dispatch: (a: DesignerAction) => void, save: () => void) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      if (mod && event.key.toLowerCase() === "s") {
        event.preventDefault();
        save();
        return;
      }
      if (!mod || isTyping(event.target)) return;
      const key = event.key.toLowerCase();
      const action: DesignerAction | null =
        key === "z"
          ? { type: event.shiftKey ? "redo" : "undo" }
          : key === "y"
            ? { type: "redo" }
            : key === "c"
              ? { type: "copy" }
              : key === "v"
                ? { type: "paste" }
                : null;
      if (!action) return;
      event.preventDefault();
      dispatch(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [dispatch, save]);
}

/** Where a step added from the keyboard goes: below the selected node, else below everything. */
function nextPosition(def: WorkflowDefinition, selected: string | null): Position {
  const items = [
    ...(def.triggers ?? []).map((t) => ({ id: triggerNodeId(t.id), p: t.position })),
    ...(def.steps ?? []).map((s) => ({ id: stepNodeId(s.id), p: s.position })),
  ];
  const anchor = items.find((i) => i.id === selected)?.p;
  if (anchor) return { x: anchor.x, y: anchor.y + NODE_HEIGHT + 60 };
  const lowest = Math.max(0, ...items.map((i) => i.p?.y ?? 0));
  return { x: items[0]?.p?.x ?? 0, y: items.length ? lowest + NODE_HEIGHT + 60 : 0 };
}

function useSampleContext(workflowId: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["sample", workflowId],
    queryFn: async () => {
      const page = await api.listExecutions({ workflow_id: workflowId }, null, 1);
      const last = page.items[0];
      if (!last) return null;
      const execution = await api.getExecution(last.id);
      return sampleFromExecution(execution.payload, execution.steps);
    },
    staleTime: 60_000,
  });
}

interface DesignerProps {
  initial: Workflow;
  apps: App[];
  credentials: Credential[];
}

export function Designer({ initial, apps, credentials }: DesignerProps) {
  const model = useDesigner(initial);
  const { state, def, dispatch, workflow, dirty, saving, validation, blocker } = model;
  const notify = useNotify();
  const [view, setView] = useState<DesignerView>("canvas");
  const [dialog, setDialog] = useState<"revisions" | "run" | null>(null);
  const sample = useSampleContext(workflow.id);
  const catalog = useMemo(() => actionIndex(apps), [apps]);
  const problemsByNode = validation.index.byNode;
  const options = useMemo(
    () => ({ selected: state.selection, problems: problemsByNode, catalog, editable: true }),
    [state.selection, problemsByNode, catalog],
  );
  const selectedNode = state.selection.size === 1 ? ([...state.selection][0] as string) : null;

  const save = useCallback(
    async (message?: string) => {
      const result = await model.save(message);
      if (result) notify(`Saved as revision ${result.revision}`, "success");
      else notify("Not saved: see the problems below", "error");
      return result !== null;
    },
    [model, notify],
  );
  useShortcuts(dispatch, () => void save());

  const addAction = useCallback(
    (app: string, action: string, at?: Position) => {
      const position = at ?? nextPosition(def, selectedNode);
      const added = addStep(def, app, action, position);
      const from = at ? null : selectedNode;
      const next = from ? connect(added.def, from, stepNodeId(added.id)) : added.def;
      dispatch({ type: "edit", def: next, select: [stepNodeId(added.id)] });
    },
    [def, dispatch, selectedNode],
  );
  const addTriggerOf = useCallback(
    (type: TriggerType) => {
      const top = Math.min(0, ...(def.triggers ?? []).map((t) => t.position?.y ?? 0));
      const right = Math.max(-300, ...(def.triggers ?? []).map((t) => t.position?.x ?? 0));
      const added = addTrigger(def, type, { x: right + 300, y: top });
      dispatch({ type: "edit", def: added.def, select: [triggerNodeId(added.id)] });
    },
    [def, dispatch],
  );
  // Canvas handlers stay the same functions while the definition changes under a drag.
  const latest = useRef({ def, addAction });
  latest.current = { def, addAction };
  const handlers = useMemo(
    () => ({
      onMove: (moves: Map<string, Position>, done: boolean) => dispatch({ type: done ? "dragEnd" : "drag", moves }),
      onSelectChange: (id: string, selected: boolean) => dispatch({ type: "toggleSelect", id, selected }),
      onConnect: (source: string, target: string) =>
        dispatch({ type: "edit", def: connect(latest.current.def, source, target) }),
      onDelete: (ids: string[]) => dispatch({ type: "delete", ids }),
      onDropAction: (app: string, action: string, position: Position) =>
        latest.current.addAction(app, action, position),
    }),
    [dispatch],
  );
  const context = useMemo(() => expressionContext(def, sample.data ?? null), [def, sample.data]);
  const lastPayload = sample.data?.payload;

  return (
    <div className="designer" data-testid="designer">
      <DesignerHeader
        name={def.name}
        revision={workflow.revision}
        enabled={workflow.enabled}
        dirty={dirty}
        saving={saving}
        view={view}
        onView={setView}
        onSave={(message) => void save(message)}
        onRevisions={() => setDialog("revisions")}
        onRun={() => setDialog("run")}
      />
      <div className="designer-main">
        <Palette apps={apps} onAdd={addAction} onAddTrigger={addTriggerOf} />
        <div className="designer-center">
          {view === "canvas" ? (
            <>
              <CanvasTools state={state} def={def} dispatch={dispatch} />
              <FlowCanvas def={def} options={options} testId="designer-canvas" {...handlers} />
            </>
          ) : (
            <DocumentView def={def} format={view} dispatch={dispatch} />
          )}
          <ValidationList validation={validation} onSelect={(id) => dispatch({ type: "select", ids: [id] })} />
        </div>
        <SidePanel
          model={model}
          apps={apps}
          credentials={credentials}
          context={context}
          sampleContext={sample.data ?? null}
          onRun={() => setDialog("run")}
        />
      </div>
      {dialog === "revisions" ? (
        <RevisionsDialog
          workflow={workflow}
          dirty={dirty}
          onClose={() => setDialog(null)}
          onRestored={(wf) => {
            model.loadSaved(wf);
            setDialog(null);
          }}
        />
      ) : null}
      {dialog === "run" ? (
        <RunDialog
          workflowId={workflow.id}
          initialInput={lastPayload ?? {}}
          dirty={dirty}
          onSave={() => save("Saved before a test run")}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {blocker.state === "blocked" ? (
        <ConfirmDialog
          title="Leave without saving?"
          message="This workflow has unsaved changes. Leaving discards them."
          confirmLabel="Discard and leave"
          danger
          onConfirm={() => blocker.proceed()}
          onCancel={() => blocker.reset()}
        />
      ) : null}
    </div>
  );
}
