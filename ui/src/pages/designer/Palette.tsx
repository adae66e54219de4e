/**
 * The action palette: the app catalog grouped by category, searchable. Drag an action onto
 * the canvas, or press Enter on it to add it below the selected step.
 */

import { memo, useMemo, useState, type DragEvent } from "react";

import type { App } from "../../api/types";
import { encodePaletteItem, PALETTE_MIME, paletteGroups, type PaletteItem } from "../../graph/catalog";
import type { TriggerType } from "../../graph/types";

interface PaletteProps {
  apps: App[];
  onAdd: (app: string, action: string) => void;
  onAddTrigger: (type: TriggerType) => void;
}

function onDragStart(event: DragEvent, item: PaletteItem) {
  event.dataTransfer.setData(PALETTE_MIME, encodePaletteItem(item));
  event.dataTransfer.setData("text/plain", `${item.app}.${item.action}`);
  event.dataTransfer.effectAllowed = "copy";
}

export const Palette = memo(function Palette({ apps, onAdd, onAddTrigger }: PaletteProps) {
  const [search, setSearch] = useState("");
  const [closed, setClosed] = useState<ReadonlySet<string>>(new Set());
  const groups = useMemo(() => paletteGroups(apps, search), [apps, search]);
  const toggle = (category: string) => {
    const next = new Set(closed);
    if (next.has(category)) next.delete(category);
    else next.add(category);
    setClosed(next);
  };
  return (
    <aside className="palette" aria-label="Actions" data-testid="palette">
      <div className="palette-triggers">
        <span className="muted small-text">Add trigger:</span>
        {(["webhook", "schedule", "manual"] as const).map((type) => (
          <button
            key={type}
            type="button"
            className="small"
            onClick={() => onAddTrigger(type)}
            data-testid={`add-trigger-${type}`}
          >
            {type}
          </button>
        ))}
      </div>
      <input
        type="search"
        placeholder="Search actions"
        aria-label="Search actions"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        data-testid="palette-search"
      />
      {!groups.length ? <p className="muted">No action matches “{search}”.</p> : null}
      <div className="palette-groups">
        {groups.map((group) => {
          const open = search.trim() !== "" || !closed.has(group.category);
          return (
            <section key={group.category} className="palette-group">
              <button
                type="button"
                className="palette-category"
                aria-expanded={open}
                onClick={() => toggle(group.category)}
              >
                {open ? "▾" : "▸"} {group.category} <span className="muted">({group.items.length})</span>
              </button>
              {open ? (
                <ul>
                  {group.items.map((item) => (
                    <li key={`${item.app}.${item.action}`}>
                      <button
                        type="button"
                        className="palette-item"
                        draggable
                        onDragStart={(e) => onDragStart(e, item)}
                        onClick={() => onAdd(item.app, item.action)}
                        title={item.description || `${item.appTitle}: ${item.title}`}
                        data-testid={`palette-${item.app}.${item.action}`}
                      >
                        <span className="palette-item-title">{item.title}</span>
                        <span className="palette-item-app">{item.appTitle}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              ) : null}
            </section>
          );
        })}
      </div>
    </aside>
  );
});
