import { describe, expect, it } from "vitest";

import { definitionToText, fingerprint, textToDefinition } from "./document";
import { failedSsh } from "./testFixtures";

describe("document view", () => {
  it("round-trips YAML and JSON", () => {
    for (const format of ["yaml", "json"] as const) {
      const text = definitionToText(failedSsh(), format);
      const parsed = textToDefinition(text);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.definition).toEqual({ ...failedSsh(), format: 1 });
    }
  });

  it("writes the format first", () => {
    expect(definitionToText({ name: "x" }, "yaml").startsWith("format: 1\nname: x")).toBe(true);
  });

  it("reports text that is not a workflow", () => {
    expect(textToDefinition("steps: [unclosed").ok).toBe(false);
    expect(textToDefinition("- a list").ok).toBe(false);
    expect(textToDefinition("name: x\nsteps: 3")).toEqual({ ok: false, error: "steps must be a list" });
  });

  it("fingerprints definitions regardless of key order and undefined keys", () => {
    expect(fingerprint({ name: "a", description: "b" })).toBe(
      fingerprint({ description: "b", name: "a", tags: undefined }),
    );
    expect(fingerprint({ name: "a" })).not.toBe(fingerprint({ name: "b" }));
  });
});
