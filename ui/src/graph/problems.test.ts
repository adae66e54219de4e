import { describe, expect, it } from "vitest";

import { stepNodeId as s, triggerNodeId as t } from "./ids";
import { fieldProblems, indexProblems, locateProblem, otherProblems } from "./problems";
import { failedSsh } from "./testFixtures";

describe("locating problems", () => {
  const def = failedSsh();

  it("maps a step path to its node and field", () => {
    expect(locateProblem(def, { path: "steps[1].params.title", message: "required" })).toMatchObject({
      nodeId: s("create_alert"),
      field: "params.title",
    });
    expect(locateProblem(def, { path: "steps[3].needs[0]", message: "unknown step" })).toMatchObject({
      nodeId: s("page"),
      field: "needs[0]",
    });
    expect(locateProblem(def, { path: "steps[0]", message: "bad" })).toMatchObject({ nodeId: s("repeat"), field: "" });
  });

  it("maps trigger paths and step ids used as keys", () => {
    expect(locateProblem(def, { path: "triggers[0].cron", message: "bad cron" })).toMatchObject({
      nodeId: t("wazuh"),
      field: "cron",
    });
    expect(locateProblem(def, { path: "steps.notify.params.content", message: "x" })).toMatchObject({
      nodeId: s("notify"),
      field: "params.content",
    });
  });

  it("keeps workflow-level and out-of-range problems general", () => {
    expect(locateProblem(def, { path: "name", message: "required" }).nodeId).toBeNull();
    expect(locateProblem(def, { path: "steps[9].params", message: "x" }).nodeId).toBeNull();
    expect(locateProblem(def, { path: "", message: "not a mapping" }).nodeId).toBeNull();
  });
});

describe("indexing problems", () => {
  const index = indexProblems(failedSsh(), [
    { path: "steps[1].params.title", message: "title is required" },
    { path: "steps[1].retry.attempts", message: "must be at least 1" },
    { path: "steps[1].needs[0]", message: "unknown step" },
    { path: "steps[1].bogus", message: "extra field" },
    { path: "name", message: "name is required" },
  ]);

  it("groups by node and keeps the general ones apart", () => {
    expect(index.byNode.get(s("create_alert"))).toHaveLength(4);
    expect(index.general.map((p) => p.message)).toEqual(["name is required"]);
    expect(index.all).toHaveLength(5);
  });

  it("finds the messages of a field and of its sub-fields", () => {
    expect(fieldProblems(index, s("create_alert"), "params.title")).toEqual(["title is required"]);
    expect(fieldProblems(index, s("create_alert"), "retry")).toEqual(["must be at least 1"]);
    expect(fieldProblems(index, s("create_alert"), "needs")).toEqual(["unknown step"]);
    expect(fieldProblems(index, s("create_alert"), "params.titles")).toEqual([]);
    expect(fieldProblems(index, s("notify"), "params.title")).toEqual([]);
  });

  it("lists the problems that no form field shows", () => {
    const rest = otherProblems(index, s("create_alert"), ["params", "retry", "needs"]);
    expect(rest.map((p) => p.field)).toEqual(["bogus"]);
  });
});
