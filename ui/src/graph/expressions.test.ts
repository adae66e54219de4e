import { describe, expect, it } from "vitest";

import { applyCompletion, completionsAt, expressionContext, sampleFromExecution, splitPath } from "./expressions";
import { failedSsh } from "./testFixtures";

const sample = sampleFromExecution(
  { rule_id: "5710", srcip: "203.0.113.7", agent: { name: "web-01" }, hosts: ["a", "b"] },
  [
    { step_id: "create_alert", attempt: 1, output: { _id: "~1", status: "New" } },
    { step_id: "create_alert", attempt: 2, output: { _id: "~2", title: "t", status: "New" } },
  ],
);
const context = expressionContext(failedSsh(), sample, "notify");

function labels(text: string, mode: "template" | "expression" = "template", cursor = text.length): string[] {
  return completionsAt(text, cursor, context, mode)?.options.map((o) => o.label) ?? [];
}

describe("expression context", () => {
  it("offers the roots, every other step and the variables", () => {
    expect(Object.keys(context)).toEqual(["trigger", "steps", "vars", "execution"]);
    expect(Object.keys(context.steps as object)).toEqual(["repeat", "create_alert", "page"]);
    expect(context.vars).toEqual({ hive_url: "http://hive" });
  });

  it("uses the last attempt of each step as its sample result", () => {
    expect(sample.results?.get("create_alert")).toEqual({ _id: "~2", title: "t", status: "New" });
  });
});

describe("completion", () => {
  it("completes only inside {{ }} in templates", () => {
    expect(labels("Alert from trig")).toEqual([]);
    expect(labels("Alert from {{ trig")).toEqual(["trigger"]);
    expect(labels("{{ trigger.src }} and more", "template", "{{ trigger.src".length)).toEqual(["srcip"]);
    expect(labels("{{ trigger.srcip }} then ")).toEqual([]);
  });

  it("walks the sample data of the trigger and of the steps", () => {
    expect(labels("{{ trigger.")).toEqual(["rule_id", "srcip", "agent", "hosts"]);
    expect(labels("{{ trigger.agent.")).toEqual(["name"]);
    expect(labels("{{ steps.")).toEqual(["repeat", "create_alert", "page"]);
    expect(labels("{{ steps.create_alert.")).toEqual(["result", "status", "error"]);
    expect(labels("{{ steps.create_alert.result.")).toEqual(["_id", "title", "status"]);
    expect(labels("{{ vars.")).toEqual(["hive_url"]);
  });

  it("indexes lists and goes on after an index", () => {
    expect(labels("{{ trigger.hosts")).toEqual([]);
    expect(labels("{{ trigger.hosts[")).toEqual(["[0]"]);
    expect(splitPath("trigger.hosts[0].x")).toEqual({ parents: ["trigger", "hosts", "0"], partial: "x" });
  });

  it("completes anywhere in a condition", () => {
    expect(labels("trigger.rule_id in ['1'] and trigger.ag", "expression")).toEqual(["agent"]);
  });

  it("replaces the partial word with the chosen option", () => {
    const text = "{{ trigger.sr }}";
    const cursor = "{{ trigger.sr".length;
    const result = completionsAt(text, cursor, context);
    expect(result).not.toBeNull();
    const option = result?.options[0];
    if (!result || !option) return;
    expect(applyCompletion(text, result, option)).toEqual({
      text: "{{ trigger.srcip }}",
      cursor: "{{ trigger.srcip".length,
    });
  });

  it("still offers names without an execution to learn from", () => {
    const bare = expressionContext(failedSsh(), null);
    expect(completionsAt("{{ steps.notify.", 16, bare)?.options.map((o) => o.label)).toEqual([
      "result",
      "status",
      "error",
    ]);
    expect(completionsAt("{{ trigger.", 11, bare)).toBeNull();
  });
});
