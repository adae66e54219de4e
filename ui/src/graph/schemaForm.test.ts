import { describe, expect, it } from "vitest";

import type { JsonSchema } from "../api/types";
import { fieldsFromSchema, textToValue, valueToText, type FieldSpec } from "./schemaForm";

// The shape Pydantic v2 gives an action's parameters.
const SCHEMA: JsonSchema = {
  $defs: { Level: { enum: ["low", "high"], title: "Level", type: "string" } },
  properties: {
    title: { title: "Title", type: "string" },
    description: { title: "Description", type: "string" },
    severity: {
      default: 2,
      description: "1 low … 4 critical",
      maximum: 4,
      minimum: 1,
      title: "Severity",
      type: "integer",
    },
    ratio: { title: "Ratio", type: "number" },
    tts: { default: false, title: "Tts", type: "boolean" },
    mode: { enum: ["a", "b"], title: "Mode", type: "string" },
    level: { $ref: "#/$defs/Level", default: "low" },
    tags: { anyOf: [{ items: { type: "string" }, type: "array" }, { type: "null" }], default: null, title: "Tags" },
    ports: { items: { type: "integer" }, title: "Ports", type: "array" },
    embeds: { anyOf: [{ items: { type: "object" }, type: "array" }, { type: "null" }], default: null, title: "Embeds" },
    extra: { additionalProperties: true, title: "Extra", type: "object" },
    value: { title: "Value" },
    date: { anyOf: [{ type: "integer" }, { type: "string" }, { type: "null" }], default: null, title: "Date" },
  },
  required: ["title", "description", "value"],
  title: "Params",
  type: "object",
};

const fields = fieldsFromSchema(SCHEMA);
const field = (name: string): FieldSpec => {
  const found = fields.find((f) => f.name === name);
  if (!found) throw new Error(name);
  return found;
};

describe("fieldsFromSchema", () => {
  it("keeps declaration order and marks required fields", () => {
    expect(fields.map((f) => f.name)).toEqual(Object.keys(SCHEMA.properties ?? {}));
    expect(fields.filter((f) => f.required).map((f) => f.name)).toEqual(["title", "description", "value"]);
  });

  it("picks an input for each type", () => {
    const kinds = Object.fromEntries(fields.map((f) => [f.name, f.kind]));
    expect(kinds).toEqual({
      title: "string",
      description: "text",
      severity: "integer",
      ratio: "number",
      tts: "boolean",
      mode: "enum",
      level: "enum",
      tags: "list",
      ports: "list",
      embeds: "json",
      extra: "json",
      value: "any",
      date: "any",
    });
  });

  it("reads enums from $defs, defaults, descriptions and nullability", () => {
    expect(field("level").options).toEqual(["low", "high"]);
    expect(field("level").default).toBe("low");
    expect(field("severity")).toMatchObject({ hasDefault: true, default: 2, description: "1 low … 4 critical" });
    expect(field("tags").nullable).toBe(true);
    expect(field("ports").numericItems).toBe(true);
    expect(field("title").hasDefault).toBe(false);
  });

  it("copes with a missing schema", () => {
    expect(fieldsFromSchema(undefined)).toEqual([]);
  });
});

describe("values and text", () => {
  it("parses numbers and keeps expressions as text", () => {
    expect(textToValue(field("severity"), "3")).toEqual({ ok: true, value: 3 });
    expect(textToValue(field("severity"), "{{ trigger.level }}")).toEqual({ ok: true, value: "{{ trigger.level }}" });
    expect(textToValue(field("severity"), "2.5").ok).toBe(false);
    expect(textToValue(field("ratio"), "2.5")).toEqual({ ok: true, value: 2.5 });
    expect(textToValue(field("ratio"), "abc").ok).toBe(false);
  });

  it("removes a parameter that is emptied", () => {
    expect(textToValue(field("title"), "  ")).toEqual({ ok: true, value: undefined });
  });

  it("reads booleans, lists, JSON and untyped values", () => {
    expect(textToValue(field("tts"), "true")).toEqual({ ok: true, value: true });
    expect(textToValue(field("tags"), "ssh\n\n brute \n")).toEqual({ ok: true, value: ["ssh", "brute"] });
    expect(textToValue(field("ports"), "22\n443")).toEqual({ ok: true, value: [22, 443] });
    expect(textToValue(field("extra"), '{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(textToValue(field("extra"), "{oops").ok).toBe(false);
    expect(textToValue(field("value"), "plain words")).toEqual({ ok: true, value: "plain words" });
    expect(textToValue(field("value"), "[1, 2]")).toEqual({ ok: true, value: [1, 2] });
    expect(textToValue(field("mode"), "b")).toEqual({ ok: true, value: "b" });
  });

  it("writes values back as the text the input shows", () => {
    expect(valueToText(field("tags"), ["ssh", "brute"])).toBe("ssh\nbrute");
    expect(valueToText(field("extra"), { a: 1 })).toBe('{\n  "a": 1\n}');
    expect(valueToText(field("value"), "plain")).toBe("plain");
    expect(valueToText(field("severity"), 3)).toBe("3");
    expect(valueToText(field("severity"), undefined)).toBe("");
  });
});
