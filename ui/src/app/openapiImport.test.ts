import { describe, expect, it } from "vitest";

import {
  MAX_DOCUMENT_BYTES,
  documentToSend,
  formatSize,
  importHeadline,
  isImported,
  openApiBadge,
  readDocumentFile,
  summariseWarnings,
} from "./openapiImport";

const file = (name: string, text: string, size = text.length) => ({ name, size, text: async () => text });

// Warnings in the shapes the server's importer writes them.
const WARNINGS = [
  "document check at paths//a/get: 'responses' is a required property",
  "the document gives no absolute server URL; set 'base_url'",
  "GET /a/{id} parameter 'id': cannot resolve $ref '#/nope'; any value accepted",
  "POST /b: skipped: cannot resolve $ref '#/components/parameters/x'",
  "path /c: not an object; skipped",
  "document check skipped: references outside the document ('other.yaml')",
];

describe("reading a document file", () => {
  it("keeps the file's name, size and text", async () => {
    await expect(readDocumentFile(file("tiny.yaml", "openapi: 3.0.0\n"))).resolves.toEqual({
      name: "tiny.yaml",
      size: 15,
      text: "openapi: 3.0.0\n",
    });
  });

  it("refuses empty, oversized and unreadable files with a message naming the file", async () => {
    await expect(readDocumentFile(file("blank.json", "  \n"))).rejects.toThrow("blank.json is empty");
    const huge = file("huge.json", "{}", MAX_DOCUMENT_BYTES + 1);
    await expect(readDocumentFile(huge)).rejects.toThrow("huge.json is 20.0 MB; the limit is 20.0 MB");
    const broken = {
      name: "gone.yaml",
      size: 10,
      text: () => Promise.reject(new Error("file was removed")),
    };
    await expect(readDocumentFile(broken)).rejects.toThrow("cannot read gone.yaml: file was removed");
  });

  it("formats sizes for people", () => {
    expect([formatSize(1), formatSize(12), formatSize(300 * 1024), formatSize(1_258_291)]).toEqual([
      "1 byte",
      "12 bytes",
      "300 KB",
      "1.2 MB",
    ]);
  });
});

describe("choosing what to send", () => {
  it("sends the chosen file, else the pasted text, else nothing", () => {
    const chosen = { name: "a.json", size: 2, text: "{}" };
    expect(documentToSend(chosen, "openapi: 3.0.0")).toBe("{}");
    expect(documentToSend(null, "openapi: 3.0.0")).toBe("openapi: 3.0.0");
    expect(documentToSend(null, " \n ")).toBeNull();
  });
});

describe("summarising warnings", () => {
  it("puts left-out operations first and groups the rest by where they come from", () => {
    const summary = summariseWarnings(WARNINGS);
    expect(summary.total).toBe(6);
    expect(summary.skipped).toBe(2);
    expect(summary.groups.map((g) => [g.key, g.items.length])).toEqual([
      ["skipped", 2],
      ["general", 1],
      ["operations", 1],
      ["document", 2],
    ]);
    expect(summary.groups[0]?.items).toEqual([WARNINGS[3], WARNINGS[4]]);
  });

  it("keeps every warning exactly once, in the server's order within a group", () => {
    const summary = summariseWarnings(WARNINGS);
    const all = summary.groups.flatMap((g) => g.items);
    expect([...all].sort()).toEqual([...WARNINGS].sort());
    expect(summariseWarnings([])).toEqual({ total: 0, skipped: 0, groups: [] });
  });

  it("writes a headline with actions, left-out operations and warnings", () => {
    const base = { name: "misp", title: "MISP", version: 2, actions: 148, warnings: [] };
    expect(importHeadline(base)).toBe("Imported misp (version 2): 148 actions, no warnings.");
    expect(importHeadline({ ...base, version: 1, actions: 1, warnings: WARNINGS.slice(1, 2) })).toBe(
      "Imported misp (version 1): 1 action, 1 warning.",
    );
    expect(importHeadline({ ...base, warnings: WARNINGS })).toBe(
      "Imported misp (version 2): 148 actions, 2 operations left out, 6 warnings.",
    );
  });
});

describe("imported apps in the catalog", () => {
  it("knows imported apps by their source and labels them with the import version", () => {
    expect([
      isImported({ source: "openapi" }),
      isImported({ source: "builtin" }),
      isImported({ source: "package" }),
    ]).toEqual([true, false, false]);
    expect(openApiBadge(3)).toBe("OpenAPI v3");
    expect(openApiBadge(undefined)).toBe("OpenAPI");
  });
});
