import { describe, expect, it } from "vitest";

import {
  designerReducer,
  initialDesigner,
  singleSelectedEdge,
  singleSelectedNode,
  type DesignerAction,
  type DesignerState,
} from "./designer";
import { updateStep } from "./editing";
import { edgeId, stepNodeId as s, triggerNodeId as t } from "./ids";
import { failedSsh } from "./testFixtures";

function run(state: DesignerState, ...actions: DesignerAction[]): DesignerState {
  return actions.reduce(designerReducer, state);
}

const start = () => initialDesigner(failedSsh());

describe("designer reducer", () => {
  it("groups typing in one field into one undo entry", () => {
    let state = start();
    for (const title of ["a", "ab", "abc"]) {
      state = run(state, {
        type: "edit",
        def: updateStep(state.history.present, "repeat", { name: title }),
        group: "repeat.name",
      });
    }
    expect(state.history.past).toHaveLength(1);
    state = run(state, {
      type: "edit",
      def: updateStep(state.history.present, "repeat", { description: "d" }),
      group: "repeat.description",
    });
    expect(state.history.past).toHaveLength(2);
    state = run(state, { type: "undo" }, { type: "undo" });
    expect(state.history.present.steps?.[0]?.name).toBeUndefined();
  });

  it("ends a typing group on any other action", () => {
    let state = start();
    const typed = (text: string) => ({
      type: "edit" as const,
      def: updateStep(state.history.present, "repeat", { name: text }),
      group: "g",
    });
    state = run(state, typed("a"));
    state = run(state, { type: "select", ids: [] });
    state = run(state, typed("b"));
    expect(state.history.past).toHaveLength(2);
  });

  it("records a whole drag as one undo entry", () => {
    let state = start();
    for (const y of [160, 170, 180]) state = run(state, { type: "drag", moves: new Map([[s("repeat"), { x: 0, y }]]) });
    expect(state.dragBase).not.toBeNull();
    state = run(state, { type: "dragEnd", moves: new Map() });
    expect(state.dragBase).toBeNull();
    expect(state.history.present.steps?.[0]?.position).toEqual({ x: 0, y: 180 });
    expect(state.history.past).toHaveLength(1);
    expect(run(state, { type: "undo" }).history.present.steps?.[0]?.position).toEqual({ x: 0, y: 150 });
  });

  it("treats a click without movement as no edit", () => {
    const state = start();
    expect(run(state, { type: "dragEnd", moves: new Map() })).toBe(state);
  });

  it("deletes the selected nodes and edges, and undo brings them back", () => {
    let state = run(
      start(),
      { type: "select", ids: [s("notify"), edgeId(s("repeat"), s("create_alert"))] },
      { type: "delete" },
    );
    const def = state.history.present;
    expect(def.steps?.map((x) => x.id)).toEqual(["repeat", "create_alert", "page"]);
    expect(def.steps?.[1]?.needs).toEqual([]);
    expect(state.selection.size).toBe(0);
    state = run(state, { type: "undo" });
    expect(state.history.present.steps).toHaveLength(4);
  });

  it("deletes triggers too", () => {
    const state = run(start(), { type: "delete", ids: [t("wazuh")] });
    expect(state.history.present.triggers).toEqual([]);
  });

  it("copies selected steps and pastes them selected, each paste further along", () => {
    let state = run(
      start(),
      { type: "toggleSelect", id: s("repeat"), selected: true },
      { type: "copy" },
      { type: "paste" },
    );
    expect([...state.selection]).toEqual([s("repeat_2")]);
    state = run(state, { type: "paste" });
    const pasted = state.history.present.steps?.filter((x) => x.id.startsWith("repeat_")) ?? [];
    expect(pasted.map((x) => [x.id, x.position])).toEqual([
      ["repeat_2", { x: 40, y: 190 }],
      ["repeat_3", { x: 80, y: 230 }],
    ]);
  });

  it("loads a saved definition as a fresh history", () => {
    const state = run(start(), { type: "delete", ids: [s("page")] }, { type: "load", def: failedSsh() });
    expect(state.history.past).toEqual([]);
    expect(state.history.present.steps).toHaveLength(4);
  });

  it("tells a single selected node or edge", () => {
    expect(singleSelectedNode(new Set([s("a")]))).toBe(s("a"));
    expect(singleSelectedNode(new Set([s("a"), s("b")]))).toBeNull();
    expect(singleSelectedEdge(new Set(["step:a->step:b"]))).toBe("step:a->step:b");
    expect(singleSelectedEdge(new Set([s("a")]))).toBeNull();
  });
});
