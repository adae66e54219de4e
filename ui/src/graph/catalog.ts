/**
 * The app catalog as the palette and the forms need it: actions grouped by category in the
 * catalog's fixed order, searchable, and looked up by `app.action`.
 */

import type { App, AppAction } from "../api/types";
import type { ActionInfo } from "./convert";

export const CATEGORIES = [
  "Communication",
  "Case Management",
  "SIEM",
  "Assets",
  "IAM",
  "Intelligence",
  "Network",
  "Eradication",
  "Tools",
] as const;

export interface PaletteItem {
  app: string;
  action: string;
  title: string;
  appTitle: string;
  description: string;
}

export interface PaletteGroup {
  category: string;
  items: PaletteItem[];
}

function matches(item: PaletteItem, words: string[]): boolean {
  const haystack = `${item.app} ${item.action} ${item.title} ${item.appTitle} ${item.description}`.toLowerCase();
  return words.every((word) => haystack.includes(word));
}

function categoryRank(category: string): number {
  const index = (CATEGORIES as readonly string[]).indexOf(category);
  return index < 0 ? CATEGORIES.length : index;
}

/** Palette groups for a search (all words must match), empty groups left out. */
export function paletteGroups(apps: readonly App[], search = ""): PaletteGroup[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const groups = new Map<string, PaletteItem[]>();
  for (const app of apps) {
    for (const action of app.actions) {
      const item = {
        app: app.name,
        action: action.name,
        title: action.title,
        appTitle: app.title,
        description: action.description,
      };
      if (!matches(item, words)) continue;
      groups.set(app.category, [...(groups.get(app.category) ?? []), item]);
    }
  }
  return [...groups]
    .sort(([a], [b]) => categoryRank(a) - categoryRank(b) || a.localeCompare(b))
    .map(([category, items]) => ({ category, items }));
}

/** `app.action` → title and category, for the canvas nodes. */
export function actionIndex(apps: readonly App[]): Map<string, ActionInfo> {
  const index = new Map<string, ActionInfo>();
  for (const app of apps) {
    for (const action of app.actions) {
      index.set(`${app.name}.${action.name}`, { title: action.title, appTitle: app.title, category: app.category });
    }
  }
  return index;
}

/** Find an app's action; null when the app or action is not installed. */
export function findAction(
  apps: readonly App[] | undefined,
  app: string,
  action: string,
): { app: App; action: AppAction } | null {
  const found = apps?.find((a) => a.name === app);
  const act = found?.actions.find((a) => a.name === action);
  return found && act ? { app: found, action: act } : null;
}

/** The drag-and-drop payload of a palette item. */
export const PALETTE_MIME = "application/x-threatflow-action";

export function encodePaletteItem(item: Pick<PaletteItem, "app" | "action">): string {
  return JSON.stringify({ app: item.app, action: item.action });
}

export function decodePaletteItem(text: string): { app: string; action: string } | null {
  try {
    const value = JSON.parse(text) as { app?: unknown; action?: unknown };
    return typeof value.app === "string" && typeof value.action === "string"
      ? { app: value.app, action: value.action }
      : null;
  } catch {
    return null;
  }
}
