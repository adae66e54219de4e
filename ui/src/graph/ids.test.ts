import { describe, expect, it } from "vitest";

import { edgeId, parseEdgeId, parseNodeId, stepNodeId, triggerNodeId, uniqueId } from "./ids";

describe("node and edge ids", () => {
  it("keeps triggers and steps with the same name apart", () => {
    expect(triggerNodeId("manual")).not.toBe(stepNodeId("manual"));
    expect(parseNodeId(triggerNodeId("manual"))).toEqual({ kind: "trigger", id: "manual" });
    expect(parseNodeId(stepNodeId("manual"))).toEqual({ kind: "step", id: "manual" });
    expect(parseNodeId("step:a->step:b")).toBeNull();
    expect(parseNodeId("other")).toBeNull();
  });

  it("round-trips edge ids", () => {
    const id = edgeId(stepNodeId("a"), stepNodeId("b"));
    expect(parseEdgeId(id)).toEqual({ source: "step:a", target: "step:b" });
    expect(parseEdgeId("nonsense")).toBeNull();
  });
});

describe("uniqueId", () => {
  it("returns the base when free and numbers it otherwise", () => {
    expect(uniqueId("create_alert", [])).toBe("create_alert");
    expect(uniqueId("create_alert", ["create_alert"])).toBe("create_alert_2");
    expect(uniqueId("create_alert_2", ["create_alert", "create_alert_2"])).toBe("create_alert_3");
  });

  it("makes a valid identifier of anything", () => {
    expect(uniqueId("send-message", [])).toBe("send_message");
    expect(uniqueId("2fa", [])).toBe("_2fa");
    expect(uniqueId("", [])).toBe("step");
  });
});
