import { describe, expect, it } from "vitest";

import type { StepRun } from "../api/types";
import {
  firstFailedStep,
  formatDuration,
  isActive,
  runDuration,
  stepRows,
  timingBars,
  withLiveSteps,
} from "./execution";
import { failedSsh } from "./testFixtures";

function run(step_id: string, attempt: number, status: StepRun["status"], start: number, end: number | null): StepRun {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  return {
    step_id,
    attempt,
    status,
    input: {},
    output: null,
    output_truncated: false,
    error: null,
    started_at: at(start),
    finished_at: end === null ? null : at(end),
    duration_ms: null,
  };
}

const runs = [
  run("repeat", 1, "succeeded", 0, 1),
  run("create_alert", 1, "failed", 1, 3),
  run("create_alert", 2, "failed", 5, 6),
];

describe("step rows", () => {
  const rows = stepRows(failedSsh(), runs);

  it("lists steps in workflow order, with pending ones that never ran", () => {
    expect(rows.map((r) => [r.stepId, r.status, r.attempts.length])).toEqual([
      ["repeat", "succeeded", 1],
      ["create_alert", "failed", 2],
      ["notify", "pending", 0],
      ["page", "pending", 0],
    ]);
    expect(rows[1]?.durationMs).toBe(3000);
  });

  it("adds steps that ran but are not in the definition", () => {
    expect(stepRows(failedSsh(), [run("gone", 1, "succeeded", 0, 1)]).at(-1)?.stepId).toBe("gone");
  });

  it("finds the first failed step", () => {
    expect(firstFailedStep(rows)).toBe("create_alert");
    expect(firstFailedStep(rows.slice(0, 1))).toBeNull();
  });

  it("draws timing bars relative to the whole execution", () => {
    const bars = timingBars(rows);
    expect(bars.map((b) => b.stepId)).toEqual(["repeat", "create_alert"]);
    expect(bars[0]).toMatchObject({ offset: 0 });
    expect(bars[0]?.width).toBeCloseTo(100 / 6);
    expect(bars[1]?.offset).toBeCloseTo(100 / 6);
    expect(bars[1]?.width).toBeCloseTo(500 / 6);
  });

  it("measures a running step up to now", () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 10);
    expect(runDuration(run("x", 1, "running", 4, null), now)).toBe(6000);
    expect(runDuration({ duration_ms: 12, started_at: null, finished_at: null })).toBe(12);
  });
});

describe("formatting", () => {
  it("formats durations for people", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(1234)).toBe("1.23 s");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
    expect(formatDuration(7_380_000)).toBe("2 h 03 min");
  });

  it("knows which executions can still change", () => {
    expect(["queued", "running", "waiting"].every((s) => isActive(s as never))).toBe(true);
    expect(isActive("succeeded")).toBe(false);
  });
});

describe("live step events", () => {
  const event = (step_id: string, attempt: number, status: StepRun["status"]) => ({
    execution_id: "e",
    step_id,
    attempt,
    status,
    started_at: null,
    finished_at: null,
  });

  it("adds attempts that the server has not stored yet", () => {
    const merged = withLiveSteps(runs, [event("notify", 1, "running"), event("create_alert", 3, "waiting")]);
    const rows = stepRows(failedSsh(), merged);
    expect(rows.find((r) => r.stepId === "notify")?.status).toBe("running");
    expect(rows.find((r) => r.stepId === "create_alert")).toMatchObject({ status: "waiting" });
  });

  it("lets a stored run win over an event of the same or an older attempt", () => {
    const merged = withLiveSteps(runs, [event("repeat", 1, "running"), event("create_alert", 1, "running")]);
    expect(merged).toEqual(runs);
  });
});
