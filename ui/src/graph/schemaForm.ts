/**
 * Form fields from an action's parameter JSON Schema (Pydantic v2 output), and the
 * conversion between a parameter value and the text of its input. Every input also accepts
 * an expression such as `{{ trigger.title }}`, which stays a string whatever the type.
 */

import type { JsonSchema } from "../api/types";

/**
 * `json` is an object or a list of objects, edited as JSON; `any` is a parameter without a
 * declared type: JSON when the text parses as JSON, else the text itself.
 */
export type FieldKind = "string" | "text" | "number" | "integer" | "boolean" | "enum" | "list" | "json" | "any";

export interface FieldSpec {
  name: string;
  title: string;
  description: string;
  kind: FieldKind;
  required: boolean;
  nullable: boolean;
  options: unknown[];
  default: unknown;
  hasDefault: boolean;
  /** For lists: whether items are numbers. */
  numericItems: boolean;
}

const MULTILINE_NAMES = new Set([
  "body",
  "message",
  "description",
  "content",
  "text",
  "query",
  "script",
  "template",
  "html",
  "markdown",
  "note",
  "notes",
  "comment",
  "summary",
  "payload",
]);

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 10; depth += 1) {
    const name = current.$ref.replace(/^#\/\$defs\//, "");
    const target = root.$defs?.[name];
    if (!target) break;
    const { $ref: _ref, ...rest } = current;
    current = { ...target, ...rest };
  }
  if (current.allOf?.length === 1) return resolve({ ...current.allOf[0], ...omit(current, "allOf") }, root);
  return current;
}

function omit(schema: JsonSchema, key: string): JsonSchema {
  const { [key]: _dropped, ...rest } = schema;
  return rest as JsonSchema;
}

function isNull(schema: JsonSchema): boolean {
  return schema.type === "null";
}

/** Unwrap `X | None` into X and whether null is allowed. */
function unwrapNullable(schema: JsonSchema, root: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const variants = schema.anyOf ?? schema.oneOf;
  if (!variants)
    return { schema: resolve(schema, root), nullable: Array.isArray(schema.type) && schema.type.includes("null") };
  const others = variants.filter((v) => !isNull(v));
  const nullable = others.length < variants.length;
  if (others.length === 1) {
    const inner = resolve(others[0] as JsonSchema, root);
    return { schema: { ...inner, ...omit(omit(schema, "anyOf"), "oneOf") }, nullable };
  }
  // Several types (int | str): no single input fits, so the field takes JSON or text.
  return { schema: omit(omit(schema, "anyOf"), "oneOf"), nullable };
}

function mainType(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null");
  return schema.type;
}

function kindOf(name: string, schema: JsonSchema): FieldKind {
  if (schema.enum?.length) return "enum";
  const type = mainType(schema);
  if (type === "string") {
    const long =
      (typeof schema.maxLength === "number" && schema.maxLength > 200) ||
      schema.format === "textarea" ||
      schema.format === "multiline";
    return long || schema["x-multiline"] === true || MULTILINE_NAMES.has(name) ? "text" : "string";
  }
  if (type === "integer" || type === "number" || type === "boolean") return type;
  if (type === "array") {
    const items = schema.items ?? {};
    const itemType = mainType(items);
    return itemType === "string" || itemType === "integer" || itemType === "number" ? "list" : "json";
  }
  if (type === undefined && !schema.properties) return "any";
  return type === "object" ? "json" : "string";
}

function humanize(name: string): string {
  const words = name.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The fields of a parameters schema, in declaration order, required ones marked. */
export function fieldsFromSchema(schema: JsonSchema | null | undefined): FieldSpec[] {
  if (!schema?.properties) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, raw]) => {
    const { schema: field, nullable } = unwrapNullable(raw, schema);
    return {
      name,
      title: field.title ?? humanize(name),
      description: field.description ?? "",
      kind: kindOf(name, field),
      required: required.has(name),
      nullable,
      options: field.enum ?? [],
      default: raw.default,
      hasDefault: "default" in raw,
      numericItems: ["integer", "number"].includes(mainType(field.items ?? {}) ?? ""),
    };
  });
}

/** Whether a string holds a template expression. */
export function isExpression(value: unknown): value is string {
  return typeof value === "string" && value.includes("{{");
}

/** The text an input shows for a value. */
export function valueToText(field: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (isExpression(value)) return value;
  if (field.kind === "list" && Array.isArray(value)) return value.map(String).join("\n");
  if (field.kind === "json" || field.kind === "any")
    return typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return String(value);
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function parseNumber(field: FieldSpec, text: string): Parsed {
  if (!NUMBER.test(text)) return { ok: false, error: "a number or an expression {{ … }}" };
  const value = Number(text);
  if (field.kind === "integer" && !Number.isInteger(value)) return { ok: false, error: "a whole number" };
  return { ok: true, value };
}

function parseList(text: string, numeric: boolean): Parsed {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  return { ok: true, value: numeric ? lines.map((l) => (NUMBER.test(l) ? Number(l) : l)) : lines };
}

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The value for an input's text: `undefined` when emptied (the parameter is removed), the
 * typed value, or the text itself when it is an expression.
 */
export function textToValue(field: FieldSpec, text: string): Parsed {
  if (text.trim() === "") return { ok: true, value: undefined };
  if (text.includes("{{")) return { ok: true, value: text };
  switch (field.kind) {
    case "integer":
    case "number":
      return parseNumber(field, text.trim());
    case "boolean":
      if (text === "true" || text === "false") return { ok: true, value: text === "true" };
      return { ok: false, error: "true, false or an expression {{ … }}" };
    case "list":
      return parseList(text, field.numericItems);
    case "json":
      return parseJson(text);
    case "any": {
      const parsed = parseJson(text);
      return parsed.ok ? parsed : { ok: true, value: text };
    }
    case "enum":
      return { ok: true, value: field.options.find((o) => String(o) === text) ?? text };
    default:
      return { ok: true, value: text };
  }
}
