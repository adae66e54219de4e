import { describe, expect, it } from "vitest";

import type { App } from "../api/types";
import { actionIndex, decodePaletteItem, encodePaletteItem, findAction, paletteGroups } from "./catalog";

function app(name: string, category: string, actions: string[]): App {
  return {
    name,
    title: name.toUpperCase(),
    category,
    description: "",
    docs_url: "",
    version: "1",
    source: "builtin",
    credential_fields: [],
    actions: actions.map((a) => ({
      name: a,
      title: a.replace("_", " "),
      description: `${a} docs`,
      docs_url: "",
      params_schema: {},
    })),
  };
}

const APPS = [
  app("tools", "Tools", ["repeat_back"]),
  app("discord", "Communication", ["send_message"]),
  app("thehive", "Case Management", ["create_alert", "get_alert"]),
  app("custom", "Zeta", ["do"]),
];

describe("palette", () => {
  it("groups actions in the catalog's category order, unknown categories last", () => {
    expect(paletteGroups(APPS).map((g) => g.category)).toEqual(["Communication", "Case Management", "Tools", "Zeta"]);
  });

  it("searches every word in app and action names", () => {
    const groups = paletteGroups(APPS, "thehive alert");
    expect(groups.flatMap((g) => g.items.map((i) => i.action))).toEqual(["create_alert", "get_alert"]);
    expect(paletteGroups(APPS, "create ALERT").flatMap((g) => g.items.map((i) => i.action))).toEqual(["create_alert"]);
    expect(paletteGroups(APPS, "nothing like it")).toEqual([]);
  });

  it("encodes drag payloads and rejects foreign ones", () => {
    expect(decodePaletteItem(encodePaletteItem({ app: "tools", action: "repeat_back" }))).toEqual({
      app: "tools",
      action: "repeat_back",
    });
    expect(decodePaletteItem("not json")).toBeNull();
    expect(decodePaletteItem('{"app": 1}')).toBeNull();
  });

  it("indexes and finds actions", () => {
    expect(actionIndex(APPS).get("thehive.create_alert")).toEqual({
      title: "create alert",
      appTitle: "THEHIVE",
      category: "Case Management",
    });
    expect(findAction(APPS, "thehive", "get_alert")?.action.name).toBe("get_alert");
    expect(findAction(APPS, "thehive", "nope")).toBeNull();
  });
});
