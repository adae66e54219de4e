import { describe, expect, it } from "vitest";

import { canRedo, canUndo, commitFrom, createHistory, HISTORY_LIMIT, record, redo, replace, undo } from "./history";

describe("history", () => {
  it("undoes and redoes in order", () => {
    let h = createHistory(1);
    h = record(h, 2);
    h = record(h, 3);
    h = undo(h);
    expect(h.present).toBe(2);
    h = undo(h);
    expect(h.present).toBe(1);
    expect(canUndo(h)).toBe(false);
    h = redo(h);
    expect(h.present).toBe(2);
    expect(canRedo(h)).toBe(true);
  });

  it("drops the redo list on a new edit", () => {
    let h = record(record(createHistory("a"), "b"), "c");
    h = record(undo(h), "d");
    expect(h.present).toBe("d");
    expect(canRedo(h)).toBe(false);
    expect(undo(h).present).toBe("b");
  });

  it("ignores an edit that changes nothing and undo/redo at the ends", () => {
    const h = createHistory({ x: 1 });
    expect(record(h, h.present)).toBe(h);
    expect(undo(h)).toBe(h);
    expect(redo(h)).toBe(h);
  });

  it("records a drag as one entry back to where it started", () => {
    let h = record(createHistory(0), 10);
    for (const step of [11, 12, 13]) h = replace(h, step);
    h = commitFrom(h, 10, 14);
    expect(h.present).toBe(14);
    expect(undo(h).present).toBe(10);
    expect(undo(undo(h)).present).toBe(0);
  });

  it("keeps at most HISTORY_LIMIT past states", () => {
    let h = createHistory(0);
    for (let i = 1; i <= HISTORY_LIMIT + 20; i += 1) h = record(h, i);
    expect(h.past.length).toBe(HISTORY_LIMIT);
    expect(h.past[0]).toBe(20);
  });
});
