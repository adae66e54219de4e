import { describe, expect, it } from "vitest";

import { childPath, searchJson, summary, toCopyText } from "./jsonTree";

const VALUE = { alert: { _id: "~1", tags: ["ssh", "brute"], "odd key": null }, count: 2 };

describe("json tree", () => {
  it("builds readable paths", () => {
    expect(childPath("$", "alert")).toBe("$.alert");
    expect(childPath("$.alert", "odd key")).toBe('$.alert["odd key"]');
    expect(childPath("$.tags", 1)).toBe("$.tags[1]");
  });

  it("finds keys and values and opens their ancestors", () => {
    const byValue = searchJson(VALUE, "BRUTE");
    expect([...byValue.matches]).toEqual(["$.alert.tags[1]"]);
    expect([...byValue.open]).toEqual(["$", "$.alert", "$.alert.tags"]);
    const byKey = searchJson(VALUE, "_id");
    expect([...byKey.matches]).toEqual(["$.alert._id"]);
    expect(searchJson(VALUE, "null").matches.has('$.alert["odd key"]')).toBe(true);
  });

  it("matches nothing for an empty query and stops at the limit", () => {
    expect(searchJson(VALUE, "  ").matches.size).toBe(0);
    const many = Array.from({ length: 50 }, (_, i) => `item ${i}`);
    expect(searchJson(many, "item", 10).matches.size).toBe(10);
  });

  it("summarises containers and copies values", () => {
    expect(summary([1])).toBe("[1 item]");
    expect(summary({ a: 1, b: 2 })).toBe("{2 keys}");
    expect(summary("x")).toBe('"x"');
    expect(toCopyText("plain")).toBe("plain");
    expect(toCopyText({ a: 1 })).toBe('{\n  "a": 1\n}');
  });
});
