/**
 * Reading an execution: the last attempt of each step, timing bars and what can be rerun.
 */

import type { ExecutionStatus, StepEvent, StepRun, StepStatus } from "../api/types";
import type { WorkflowDefinition } from "./types";

const ACTIVE_STATUSES: ReadonlySet<ExecutionStatus> = new Set(["queued", "running", "waiting"]);

/** Whether an execution may still change (and so is worth watching live). */
export function isActive(status: ExecutionStatus): boolean {
  return ACTIVE_STATUSES.has(status);
}

export interface StepRow {
  stepId: string;
  status: StepStatus;
  attempts: StepRun[];
  last: StepRun | null;
  durationMs: number | null;
}

function parseTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : time;
}

/** Duration of a run: the server's figure, or the difference of its times. */
export function runDuration(
  run: Pick<StepRun, "duration_ms" | "started_at" | "finished_at">,
  now = Date.now(),
): number | null {
  if (run.duration_ms !== null && run.duration_ms !== undefined) return run.duration_ms;
  const start = parseTime(run.started_at);
  if (start === null) return null;
  return (parseTime(run.finished_at) ?? now) - start;
}

/**
 * One row per step in workflow order (steps that never ran are `pending`), then any step
 * that ran but is not in the definition. Attempts are sorted by attempt number.
 */
export function stepRows(
  def: WorkflowDefinition | null | undefined,
  runs: readonly StepRun[],
  now = Date.now(),
): StepRow[] {
  const byStep = new Map<string, StepRun[]>();
  for (const run of runs) byStep.set(run.step_id, [...(byStep.get(run.step_id) ?? []), run]);
  const order = [...(def?.steps ?? []).map((s) => s.id)];
  for (const id of byStep.keys()) if (!order.includes(id)) order.push(id);
  return order.map((stepId) => {
    const attempts = [...(byStep.get(stepId) ?? [])].sort((a, b) => a.attempt - b.attempt);
    const last = attempts.at(-1) ?? null;
    const durationMs = attempts.length ? attempts.reduce((sum, r) => sum + (runDuration(r, now) ?? 0), 0) : null;
    return { stepId, status: last?.status ?? "pending", attempts, last, durationMs };
  });
}

export interface TimingBar {
  stepId: string;
  /** Start, as a percentage of the execution's span. */
  offset: number;
  /** Length, as a percentage of the span (at least a sliver, so short steps stay visible). */
  width: number;
}

/** Timing bars of the steps that started, relative to the earliest start and latest end. */
export function timingBars(rows: readonly StepRow[], now = Date.now()): TimingBar[] {
  const spans = rows.flatMap((row) => {
    const first = parseTime(row.attempts[0]?.started_at);
    if (first === null || !row.last) return [];
    const end = parseTime(row.last.finished_at) ?? now;
    return [{ stepId: row.stepId, start: first, end: Math.max(end, first) }];
  });
  if (!spans.length) return [];
  const begin = Math.min(...spans.map((s) => s.start));
  const total = Math.max(1, Math.max(...spans.map((s) => s.end)) - begin);
  return spans.map((s) => ({
    stepId: s.stepId,
    offset: ((s.start - begin) / total) * 100,
    width: Math.max(0.75, ((s.end - s.start) / total) * 100),
  }));
}

/** The first failed step in workflow order, where "rerun from the failed step" starts. */
export function firstFailedStep(rows: readonly StepRow[]): string | null {
  return rows.find((row) => row.status === "failed")?.stepId ?? null;
}

/** A duration for people: 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/**
 * Stored step runs plus what live events say about attempts the server has not stored yet
 * (a running or waiting attempt). A stored run always wins over an event of the same attempt.
 */
export function withLiveSteps(runs: readonly StepRun[], events: readonly StepEvent[]): StepRun[] {
  const stored = new Map<string, number>();
  for (const run of runs) stored.set(run.step_id, Math.max(stored.get(run.step_id) ?? 0, run.attempt));
  const extra = events
    .filter((e) => e.attempt > (stored.get(e.step_id) ?? 0))
    .map((e) => ({
      step_id: e.step_id,
      attempt: e.attempt,
      status: e.status,
      input: null,
      output: null,
      output_truncated: false,
      error: null,
      started_at: e.started_at ?? null,
      finished_at: e.finished_at ?? null,
      duration_ms: null,
    }));
  return extra.length ? [...runs, ...extra] : [...runs];
}
