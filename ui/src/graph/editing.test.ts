import { describe, expect, it } from "vitest";

import {
  addStep,
  addTrigger,
  connect,
  connectionProblem,
  copySteps,
  moveNodes,
  pasteSteps,
  removeEdges,
  removeNodes,
  renameStep,
  setEdgeKind,
  updateStep,
} from "./editing";
import { edgeId, stepNodeId as s, triggerNodeId as t } from "./ids";
import { failedSsh } from "./testFixtures";
import type { Step, WorkflowDefinition } from "./types";

function step(def: WorkflowDefinition, id: string): Step {
  const found = def.steps?.find((x) => x.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

describe("adding", () => {
  it("adds a step with a unique id at a rounded position", () => {
    const { def, id } = addStep(failedSsh(), "discord", "send_message", { x: 10.4, y: 20.6 });
    expect(id).toBe("send_message");
    expect(step(def, id)).toMatchObject({
      app: "discord",
      action: "send_message",
      params: {},
      position: { x: 10, y: 21 },
    });
    expect(addStep(def, "discord", "send_message", { x: 0, y: 0 }).id).toBe("send_message_2");
  });

  it("adds triggers with their defaults", () => {
    const { def, id } = addTrigger(failedSsh(), "schedule", { x: 0, y: 0 });
    expect(def.triggers?.find((x) => x.id === id)).toMatchObject({ type: "schedule", cron: "*/5 * * * *" });
  });
});

describe("connecting", () => {
  it("adds a success edge as a plain id", () => {
    const def = connect(failedSsh(), s("repeat"), s("page"));
    expect(step(def, "page").needs).toEqual([{ step: "create_alert", on: "failure" }, "repeat"]);
  });

  it("refuses cycles, self edges, duplicates and edges into triggers", () => {
    const def = failedSsh();
    expect(connectionProblem(def, s("notify"), s("repeat"))).toMatch(/cycle/);
    expect(connectionProblem(def, s("repeat"), s("repeat"))).toMatch(/itself/);
    expect(connectionProblem(def, s("repeat"), s("create_alert"))).toMatch(/already/);
    expect(connectionProblem(def, s("repeat"), t("wazuh"))).toMatch(/trigger/);
    expect(connect(def, s("notify"), s("repeat"))).toBe(def);
  });

  it("lets a trigger point only at steps that start from the triggers", () => {
    const def = failedSsh();
    expect(connectionProblem(def, t("wazuh"), s("repeat"))).toBeNull();
    expect(connectionProblem(def, t("wazuh"), s("notify"))).toMatch(/already runs after/);
  });

  it("changes an edge into an error edge and back", () => {
    const id = edgeId(s("create_alert"), s("notify"));
    const failing = setEdgeKind(failedSsh(), id, "failure");
    expect(step(failing, "notify").needs).toEqual([{ step: "create_alert", on: "failure" }]);
    expect(step(setEdgeKind(failing, id, "success"), "notify").needs).toEqual(["create_alert"]);
  });
});

describe("removing", () => {
  it("removes a step with every edge that touches it", () => {
    const def = removeNodes(failedSsh(), [s("create_alert")]);
    expect(def.steps?.map((x) => x.id)).toEqual(["repeat", "notify", "page"]);
    expect(step(def, "notify").needs).toEqual([]);
    expect(step(def, "page").needs).toEqual([]);
  });

  it("leaves untouched steps as the same objects", () => {
    const before = failedSsh();
    const after = removeNodes(before, [s("page")]);
    expect(step(after, "repeat")).toBe(step(before, "repeat"));
    expect(step(after, "notify")).toBe(step(before, "notify"));
  });

  it("removes triggers and edges by id, ignoring trigger edges", () => {
    const def = removeEdges(failedSsh(), [edgeId(s("repeat"), s("create_alert")), edgeId(t("wazuh"), s("repeat"))]);
    expect(step(def, "create_alert").needs).toEqual([]);
    expect(removeNodes(def, [t("wazuh")]).triggers).toEqual([]);
  });
});

describe("renaming", () => {
  it("renames a step in needs and in expressions", () => {
    const def = renameStep(failedSsh(), "create_alert", "alert");
    expect(step(def, "alert")).toBeTruthy();
    expect(step(def, "notify").needs).toEqual(["alert"]);
    expect(step(def, "notify").params).toEqual({ content: "{{ steps.alert.result._id }}" });
    expect(step(def, "page").needs).toEqual([{ step: "alert", on: "failure" }]);
  });

  it("does not touch longer ids that start the same", () => {
    const base = updateStep(failedSsh(), "notify", { params: { content: "{{ steps.create_alert_2.result }}" } });
    expect(step(renameStep(base, "create_alert", "x"), "notify").params).toEqual({
      content: "{{ steps.create_alert_2.result }}",
    });
  });

  it("refuses a name that is taken", () => {
    const def = failedSsh();
    expect(renameStep(def, "repeat", "notify")).toBe(def);
  });
});

describe("copy and paste", () => {
  it("pastes copies with fresh ids, internal edges and shifted positions", () => {
    const def = failedSsh();
    const copied = copySteps(def, ["create_alert", "notify"]);
    expect(copied.map((x) => x.needs)).toEqual([[], ["create_alert"]]);
    const { def: pasted, ids } = pasteSteps(def, copied);
    expect(ids).toEqual(["create_alert_2", "notify_2"]);
    expect(step(pasted, "notify_2").needs).toEqual(["create_alert_2"]);
    expect(step(pasted, "notify_2").params).toEqual({ content: "{{ steps.create_alert_2.result._id }}" });
    expect(step(pasted, "create_alert_2").position).toEqual({ x: 40, y: 340 });
  });
});

describe("moving", () => {
  it("moves only the named nodes", () => {
    const before = failedSsh();
    const after = moveNodes(
      before,
      new Map([
        [s("repeat"), { x: 5.5, y: 6.2 }],
        [t("wazuh"), { x: 1, y: 2 }],
      ]),
    );
    expect(step(after, "repeat").position).toEqual({ x: 6, y: 6 });
    expect(after.triggers?.[0]?.position).toEqual({ x: 1, y: 2 });
    expect(step(after, "notify")).toBe(step(before, "notify"));
  });
});
