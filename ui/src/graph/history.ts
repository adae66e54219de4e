/**
 * Undo/redo history of the designer: a bounded list of past states, the present and the
 * undone future. Dragging a node replaces the present while the mouse moves and records one
 * entry when it is released.
 */

export interface History<T> {
  past: T[];
  present: T;
  future: T[];
}

export const HISTORY_LIMIT = 200;

export function createHistory<T>(present: T): History<T> {
  return { past: [], present, future: [] };
}

/** Record a new present; the old one becomes undoable and the redo list is dropped. */
export function record<T>(history: History<T>, present: T): History<T> {
  if (Object.is(present, history.present)) return history;
  const past = [...history.past, history.present].slice(-HISTORY_LIMIT);
  return { past, present, future: [] };
}

/** Change the present without an undo entry (intermediate drag positions). */
export function replace<T>(history: History<T>, present: T): History<T> {
  return { ...history, present };
}

/**
 * Record `present` but undo to `base`: used when a drag that replaced the present step by
 * step ends, so one undo returns to where the drag started.
 */
export function commitFrom<T>(history: History<T>, base: T, present: T): History<T> {
  const past = [...history.past, base].slice(-HISTORY_LIMIT);
  return { past, present, future: [] };
}

export function undo<T>(history: History<T>): History<T> {
  const previous = history.past.at(-1);
  if (previous === undefined) return history;
  return { past: history.past.slice(0, -1), present: previous, future: [history.present, ...history.future] };
}

export function redo<T>(history: History<T>): History<T> {
  const [next, ...rest] = history.future;
  if (next === undefined) return history;
  return { past: [...history.past, history.present], present: next, future: rest };
}

export function canUndo<T>(history: History<T>): boolean {
  return history.past.length > 0;
}

export function canRedo<T>(history: History<T>): boolean {
  return history.future.length > 0;
}
