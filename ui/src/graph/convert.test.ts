import { describe, expect, it } from "vitest";

import { edgeLabel, FlowBuilder, stepStatuses, type StepNode } from "./convert";
import { moveNodes } from "./editing";
import { edgeId, stepNodeId as s, triggerNodeId as t } from "./ids";
import { failedSsh } from "./testFixtures";

describe("nodes", () => {
  it("makes one node per trigger and step, at their positions", () => {
    const nodes = new FlowBuilder().nodes(failedSsh());
    expect(nodes.map((n) => n.id)).toEqual([t("wazuh"), s("repeat"), s("create_alert"), s("notify"), s("page")]);
    expect(nodes[1]).toMatchObject({ type: "step", position: { x: 0, y: 150 } });
    expect(nodes[0]).toMatchObject({ type: "trigger" });
  });

  it("carries problems, statuses, selection and catalog titles", () => {
    const catalog = new Map([
      ["thehive.create_alert", { title: "Create alert", appTitle: "TheHive", category: "Case Management" }],
    ]);
    const nodes = new FlowBuilder().nodes(failedSsh(), {
      selected: new Set([s("create_alert")]),
      problems: new Map([[s("create_alert"), [{ message: "title is required" }]]]),
      statuses: new Map([["create_alert", { status: "failed" as const, attempts: 3 }]]),
      catalog,
    });
    const alert = nodes.find((n) => n.id === s("create_alert")) as StepNode;
    expect(alert.selected).toBe(true);
    expect(alert.data).toMatchObject({ problems: ["title is required"], status: "failed", attempts: 3 });
    expect(alert.data.info?.title).toBe("Create alert");
    expect((nodes.find((n) => n.id === s("repeat")) as StepNode).data.problems).toEqual([]);
  });

  it("reuses unchanged node objects, so dragging one node re-renders only that node", () => {
    const builder = new FlowBuilder();
    const def = failedSsh();
    const before = builder.nodes(def);
    const after = builder.nodes(moveNodes(def, new Map([[s("notify"), { x: 99, y: 99 }]])));
    const changed = after.filter((node, i) => node !== before[i]).map((n) => n.id);
    expect(changed).toEqual([s("notify")]);
  });

  it("rebuilds a node whose selection or problems change", () => {
    const builder = new FlowBuilder();
    const def = failedSsh();
    const before = builder.nodes(def);
    const after = builder.nodes(def, { selected: new Set([s("repeat")]) });
    expect(after.filter((node, i) => node !== before[i]).map((n) => n.id)).toEqual([s("repeat")]);
  });

  it("gives read-only nodes to the execution view", () => {
    const nodes = new FlowBuilder().nodes(failedSsh(), { editable: false });
    expect(nodes.every((n) => n.draggable === false && n.deletable === false)).toBe(true);
  });
});

describe("edges", () => {
  it("draws needs, error edges, conditions and implied trigger edges", () => {
    const edges = new FlowBuilder().edges(failedSsh());
    const byId = new Map(edges.map((e) => [e.id, e]));
    expect([...byId.keys()]).toEqual([
      edgeId(t("wazuh"), s("repeat")),
      edgeId(s("repeat"), s("create_alert")),
      edgeId(s("create_alert"), s("notify")),
      edgeId(s("create_alert"), s("page")),
    ]);
    const trigger = byId.get(edgeId(t("wazuh"), s("repeat")));
    expect(trigger).toMatchObject({ className: "edge-trigger", deletable: false, selectable: false });
    const conditional = byId.get(edgeId(s("repeat"), s("create_alert")));
    expect(conditional?.className).toBe("edge-success edge-conditional");
    expect(conditional?.label).toBe("if trigger.rule_id in ['5710']");
    expect(byId.get(edgeId(s("create_alert"), s("page")))).toMatchObject({
      className: "edge-failure",
      label: "on failure",
    });
  });

  it("labels edges by kind and shortens long conditions", () => {
    expect(edgeLabel("success", null)).toBeUndefined();
    expect(edgeLabel("always", null)).toBe("always");
    expect(edgeLabel("failure", "x".repeat(40))).toBe(`on failure · if ${"x".repeat(27)}…`);
  });

  it("reuses unchanged edges between builds", () => {
    const builder = new FlowBuilder();
    const def = failedSsh();
    const before = builder.edges(def);
    const after = builder.edges(moveNodes(def, new Map([[s("notify"), { x: 1, y: 1 }]])));
    expect(after.every((edge, i) => edge === before[i])).toBe(true);
  });
});

describe("stepStatuses", () => {
  it("takes the last attempt of each step", () => {
    const statuses = stepStatuses([
      { step_id: "a", attempt: 1, status: "failed" },
      { step_id: "a", attempt: 2, status: "succeeded" },
      { step_id: "b", attempt: 1, status: "running" },
    ]);
    expect(statuses.get("a")).toEqual({ status: "succeeded", attempts: 2 });
    expect(statuses.get("b")).toEqual({ status: "running", attempts: 1 });
  });

  it("does not let an older attempt that arrives late win", () => {
    const statuses = stepStatuses([
      { step_id: "a", attempt: 2, status: "failed" },
      { step_id: "a", attempt: 1, status: "failed" },
    ]);
    expect(statuses.get("a")).toEqual({ status: "failed", attempts: 2 });
  });
});
