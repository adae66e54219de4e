/**
 * The designer's state and its conversations with the server: live validation, saving (which
 * creates a revision), and the guard against leaving with unsaved changes.
 */

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { useBlocker } from "react-router";

import { ApiError } from "../../api/client";
import type { Problem, Workflow } from "../../api/types";
import { useApi } from "../../app/context";
import { designerReducer, initialDesigner, type DesignerAction, type DesignerState } from "../../graph/designer";
import { fingerprint } from "../../graph/document";
import { applyLayout } from "../../graph/layout";
import { EMPTY_PROBLEMS, indexProblems, type ProblemIndex } from "../../graph/problems";
import type { WorkflowDefinition } from "../../graph/types";

const VALIDATE_DELAY_MS = 500;

export interface Validation {
  /** The definition the problems were found in (problem paths index into it). */
  def: WorkflowDefinition | null;
  problems: Problem[];
  index: ProblemIndex;
  pending: boolean;
  error: string | null;
}

function useValidation(def: WorkflowDefinition, dragging: boolean) {
  const api = useApi();
  const [validation, setValidation] = useState<Validation>({
    def: null,
    problems: [],
    index: EMPTY_PROBLEMS,
    pending: true,
    error: null,
  });
  const sequence = useRef(0);
  const show = useCallback((checked: WorkflowDefinition, problems: Problem[]) => {
    setValidation({ def: checked, problems, index: indexProblems(checked, problems), pending: false, error: null });
  }, []);
  useEffect(() => {
    if (dragging) return undefined;
    const ticket = ++sequence.current;
    setValidation((v) => ({ ...v, pending: true }));
    const timer = window.setTimeout(async () => {
      try {
        const result = await api.validateWorkflow(def);
        if (ticket === sequence.current) show(def, result.problems);
      } catch (err) {
        if (ticket !== sequence.current) return;
        if (err instanceof ApiError && err.problems.length) show(def, err.problems);
        else setValidation((v) => ({ ...v, pending: false, error: err instanceof Error ? err.message : String(err) }));
      }
    }, VALIDATE_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [api, def, dragging, show]);
  return { validation, show };
}

function useLeaveGuard(dirty: boolean) {
  useEffect(() => {
    if (!dirty) return undefined;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);
  return useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
}

export interface DesignerModel {
  state: DesignerState;
  def: WorkflowDefinition;
  dispatch: (action: DesignerAction) => void;
  workflow: Workflow;
  dirty: boolean;
  saving: boolean;
  saveError: unknown;
  validation: Validation;
  save: (message?: string) => Promise<Workflow | null>;
  loadSaved: (workflow: Workflow) => void;
  blocker: ReturnType<typeof useBlocker>;
}

export function useDesigner(initial: Workflow): DesignerModel {
  const api = useApi();
  const client = useQueryClient();
  const [workflow, setWorkflow] = useState(initial);
  const [state, dispatch] = useReducer(designerReducer, initial.definition, (d) => initialDesigner(applyLayout(d)));
  // Positions that the automatic layout gave on opening do not count as unsaved changes.
  const [saved, setSaved] = useState(() => fingerprint(state.history.present));
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const def = state.history.present;
  const dragging = state.dragBase !== null;
  // Skipped while dragging: a drag always makes the workflow dirty, and hashing a large
  // workflow on every mouse move is wasted work.
  const current = useMemo(() => (dragging ? null : fingerprint(def)), [def, dragging]);
  const dirty = current === null || current !== saved;
  const { validation, show } = useValidation(def, dragging);
  const blocker = useLeaveGuard(dirty);

  const loadSaved = useCallback((wf: Workflow) => {
    const laidOut = applyLayout(wf.definition);
    setWorkflow(wf);
    dispatch({ type: "load", def: laidOut });
    setSaved(fingerprint(laidOut));
  }, []);

  const save = useCallback(
    async (message?: string) => {
      setSaving(true);
      setSaveError(null);
      try {
        const result = await api.saveWorkflow(workflow.id, def, message || undefined);
        setWorkflow(result);
        setSaved(fingerprint(def));
        client.setQueryData(["workflow", workflow.id], result);
        void client.invalidateQueries({ queryKey: ["revisions", workflow.id] });
        void client.invalidateQueries({ queryKey: ["workflows"] });
        return result;
      } catch (err) {
        setSaveError(err);
        // Refused as invalid: the edits stay on the canvas and the problems go on the nodes.
        if (err instanceof ApiError && err.problems.length) show(def, err.problems);
        return null;
      } finally {
        setSaving(false);
      }
    },
    [api, client, def, show, workflow.id],
  );

  return { state, def, dispatch, workflow, dirty, saving, saveError, validation, save, loadSaved, blocker };
}
