/**
 * The designer's state machine: the edited definition with its undo history, the selection
 * and the drag in progress. A pure reducer, so every canvas gesture is testable without React.
 */

import { copySteps, moveNodes, pasteSteps, removeEdges, removeNodes } from "./editing";
import { commitFrom, createHistory, record, redo, replace, undo, type History } from "./history";
import { parseNodeId, stepNodeId } from "./ids";
import type { Position, Step, WorkflowDefinition } from "./types";

export interface DesignerState {
  history: History<WorkflowDefinition>;
  /** Selected node and edge ids. */
  selection: ReadonlySet<string>;
  /** The definition when the current drag started; null when nothing is being dragged. */
  dragBase: WorkflowDefinition | null;
  /** Steps copied with Ctrl+C, pasted with Ctrl+V. */
  clipboard: Step[];
  /**
   * The field the last edit came from: typing into one field makes one undo entry, not one
   * per key. Any other action ends the group.
   */
  group: string | null;
}

export type DesignerAction =
  | { type: "edit"; def: WorkflowDefinition; select?: string[]; group?: string }
  | { type: "drag"; moves: Map<string, Position> }
  | { type: "dragEnd"; moves: Map<string, Position> }
  | { type: "select"; ids: Iterable<string> }
  | { type: "toggleSelect"; id: string; selected: boolean }
  | { type: "delete"; ids?: Iterable<string> }
  | { type: "copy" }
  | { type: "paste" }
  | { type: "undo" }
  | { type: "redo" }
  | { type: "load"; def: WorkflowDefinition };

export function initialDesigner(def: WorkflowDefinition): DesignerState {
  return { history: createHistory(def), selection: new Set(), dragBase: null, clipboard: [], group: null };
}

function present(state: DesignerState): WorkflowDefinition {
  return state.history.present;
}

function edit(state: DesignerState, def: WorkflowDefinition, select?: string[], group?: string): DesignerState {
  const selection = select ? new Set(select) : state.selection;
  const same = group !== undefined && group === state.group && state.history.past.length > 0;
  const history = same ? replace(state.history, def) : record(state.history, def);
  return { ...state, history, selection, dragBase: null, group: group ?? null };
}

function drag(state: DesignerState, moves: Map<string, Position>, done: boolean): DesignerState {
  const base = state.dragBase ?? present(state);
  const moved = moveNodes(present(state), moves);
  if (!done) return { ...state, dragBase: base, history: replace(state.history, moved) };
  // A click without movement ends a "drag" that changed nothing: no undo entry for it.
  if (state.dragBase === null && !moves.size) return state;
  return { ...state, dragBase: null, history: commitFrom(state.history, base, moved) };
}

function deleteSelection(state: DesignerState, ids: Iterable<string> | undefined): DesignerState {
  const chosen = [...(ids ?? state.selection)];
  const nodes = chosen.filter((id) => parseNodeId(id) !== null);
  const edges = chosen.filter((id) => parseNodeId(id) === null);
  const def = removeNodes(removeEdges(present(state), edges), nodes);
  return def === present(state) ? state : edit(state, def, []);
}

function selectedStepIds(state: DesignerState): string[] {
  return [...state.selection].flatMap((id) => {
    const ref = parseNodeId(id);
    return ref?.kind === "step" ? [ref.id] : [];
  });
}

function paste(state: DesignerState): DesignerState {
  if (!state.clipboard.length) return state;
  const { def, ids } = pasteSteps(present(state), state.clipboard);
  // The next paste lands a little further away rather than on top of this one.
  const clipboard = state.clipboard.map((s) => ({ ...s, position: shift(s.position) }));
  return { ...edit(state, def, ids.map(stepNodeId)), clipboard };
}

function shift(position: Position | null | undefined): Position {
  return { x: (position?.x ?? 0) + 40, y: (position?.y ?? 0) + 40 };
}

export function designerReducer(state: DesignerState, action: DesignerAction): DesignerState {
  const next = reduce(state, action);
  return action.type === "edit" || next.group === null ? next : { ...next, group: null };
}

function reduce(state: DesignerState, action: DesignerAction): DesignerState {
  switch (action.type) {
    case "edit":
      return edit(state, action.def, action.select, action.group);
    case "drag":
      return drag(state, action.moves, false);
    case "dragEnd":
      return drag(state, action.moves, true);
    case "select":
      return { ...state, selection: new Set(action.ids) };
    case "toggleSelect": {
      const selection = new Set(state.selection);
      if (action.selected) selection.add(action.id);
      else selection.delete(action.id);
      return { ...state, selection };
    }
    case "delete":
      return deleteSelection(state, action.ids);
    case "copy":
      return { ...state, clipboard: copySteps(present(state), selectedStepIds(state)) };
    case "paste":
      return paste(state);
    case "undo":
      return { ...state, history: undo(state.history), dragBase: null };
    case "redo":
      return { ...state, history: redo(state.history), dragBase: null };
    case "load":
      return { ...initialDesigner(action.def), clipboard: state.clipboard };
  }
}

/** The one selected node, when exactly one node is selected (the side panel shows it). */
export function singleSelectedNode(selection: ReadonlySet<string>): string | null {
  const nodes = [...selection].filter((id) => parseNodeId(id) !== null);
  return nodes.length === 1 ? (nodes[0] as string) : null;
}

/** The one selected edge, when only an edge is selected. */
export function singleSelectedEdge(selection: ReadonlySet<string>): string | null {
  const items = [...selection];
  return items.length === 1 && parseNodeId(items[0] as string) === null ? (items[0] as string) : null;
}
