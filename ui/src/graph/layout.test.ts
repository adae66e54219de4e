import { describe, expect, it } from "vitest";

import { stepNodeId as s, triggerNodeId as t } from "./ids";
import { applyLayout, computeLayout, graphEdges, NODE_HEIGHT, needsLayout } from "./layout";
import { failedSsh } from "./testFixtures";
import type { WorkflowDefinition } from "./types";

function withoutPositions(def: WorkflowDefinition): WorkflowDefinition {
  return {
    ...def,
    triggers: def.triggers?.map(({ position: _p, ...rest }) => rest),
    steps: def.steps?.map(({ position: _p, ...rest }) => rest),
  };
}

describe("layout", () => {
  it("puts each step below what it needs, triggers first", () => {
    const positions = computeLayout(failedSsh());
    const y = (id: string) => positions.get(id)?.y ?? Number.NaN;
    expect(y(t("wazuh"))).toBeLessThan(y(s("repeat")));
    expect(y(s("repeat"))).toBeLessThan(y(s("create_alert")));
    expect(y(s("create_alert"))).toBeLessThan(y(s("notify")));
    expect(y(s("notify"))).toBe(y(s("page")));
    expect(positions.get(s("notify"))?.x).not.toBe(positions.get(s("page"))?.x);
  });

  it("lays out only what lacks a position unless asked for all", () => {
    const def = failedSsh();
    expect(needsLayout(def)).toBe(false);
    expect(applyLayout(def)).toBe(def);
    const partial = {
      ...def,
      steps: [...(def.steps ?? []), { id: "extra", app: "tools", action: "repeat_back", needs: ["notify"] }],
    };
    const laidOut = applyLayout(partial);
    expect(laidOut.steps?.[0]?.position).toEqual({ x: 0, y: 150 });
    expect(laidOut.steps?.[4]?.position).toBeDefined();
    expect(applyLayout(def, true).steps?.[0]?.position).not.toEqual({ x: 0, y: 150 });
  });

  it("gives every node of an imported document a position without overlaps", () => {
    const laidOut = applyLayout(withoutPositions(failedSsh()));
    expect(needsLayout(laidOut)).toBe(false);
    const spots = (laidOut.steps ?? []).map((x) => `${x.position?.x},${x.position?.y}`);
    expect(new Set(spots).size).toBe(spots.length);
  });

  it("connects triggers to the steps that start from them", () => {
    expect(graphEdges(failedSsh())[0]).toEqual({ source: t("wazuh"), target: s("repeat") });
  });

  it("lays out a 100-step chain quickly", () => {
    const steps = Array.from({ length: 100 }, (_, i) => ({
      id: `s${i}`,
      app: "tools",
      action: "repeat_back",
      needs: i ? [`s${i - 1}`] : [],
    }));
    const started = performance.now();
    const positions = computeLayout({ name: "big", triggers: [{ id: "manual", type: "manual" }], steps });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(positions.get(s("s99"))?.y ?? 0).toBeGreaterThan(99 * NODE_HEIGHT);
  });
});
