/**
 * The app catalog: apps by category, with their actions and parameter documentation; apps
 * imported from OpenAPI documents are added here and can be deleted.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";

import type { App } from "../api/types";
import { useApi } from "../app/context";
import { useNotify } from "../app/toasts";
import { EmptyState, ErrorBox, Loading } from "../components/Feedback";
import { ConfirmDialog } from "../components/Modal";
import { CATEGORIES } from "../graph/catalog";
import { AppCard } from "./apps/AppCard";
import { useAppsApi } from "./apps/appsApi";
import { OpenApiImportDialog } from "./apps/OpenApiImportDialog";

export function AppsPage() {
  const api = useApi();
  const appsApi = useAppsApi();
  const notify = useNotify();
  const client = useQueryClient();
  const [search, setSearch] = useState("");
  const [importing, setImporting] = useState(false);
  const [deleting, setDeleting] = useState<App | null>(null);
  const apps = useQuery({ queryKey: ["apps"], queryFn: () => api.listApps(), staleTime: 300_000 });
  const remove = useMutation({
    mutationFn: (app: App) => appsApi.deleteApp(app.name),
    onSuccess: (_, app) => {
      notify(`Deleted ${app.title}`, "success");
      setDeleting(null);
      // the deleted app's export would answer 404: drop it rather than refetch it
      client.removeQueries({ queryKey: ["apps", app.name] });
      void client.invalidateQueries({ queryKey: ["apps"], exact: true });
    },
    onError: (err) => notify(err.message, "error"),
  });
  const groups = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    const visible = (apps.data?.items ?? []).filter((a) => {
      const text =
        `${a.name} ${a.title} ${a.description} ${a.actions.map((x) => `${x.name} ${x.title}`).join(" ")}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
    const order = [...CATEGORIES, ...new Set(visible.map((a) => a.category))];
    return [...new Set(order)]
      .map((category) => ({ category, apps: visible.filter((a) => a.category === category) }))
      .filter((g) => g.apps.length);
  }, [apps.data, search]);
  return (
    <div className="page" data-testid="apps-page">
      <header className="page-header">
        <h1>Apps</h1>
        <input
          type="search"
          className="search"
          placeholder="Search apps and actions"
          aria-label="Search apps"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="apps-search"
        />
        <button type="button" onClick={() => setImporting(true)} data-testid="openapi-import">
          Import OpenAPI
        </button>
      </header>
      {apps.isPending ? <Loading /> : null}
      {apps.isError ? <ErrorBox error={apps.error} onRetry={() => void apps.refetch()} /> : null}
      {apps.isSuccess && !groups.length ? (
        <EmptyState title={search ? "No app matches this search" : "No apps installed"} />
      ) : null}
      {groups.map((group) => (
        <section key={group.category} className="app-category" data-testid={`category-${group.category}`}>
          <h2>{group.category}</h2>
          <div className="app-grid">
            {group.apps.map((app) => (
              <AppCard key={app.name} app={app} onDelete={setDeleting} />
            ))}
          </div>
        </section>
      ))}
      {importing ? (
        <OpenApiImportDialog
          onClose={() => setImporting(false)}
          onImported={(result) => {
            void client.invalidateQueries({ queryKey: ["apps"], exact: true });
            void client.invalidateQueries({ queryKey: ["apps", result.name] });
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete app"
          message={`Delete ${deleting.title} (${deleting.name}) and all its imported versions? Workflow steps that use its actions will fail until it is imported again.`}
          confirmLabel={remove.isPending ? "Deleting…" : "Delete"}
          danger
          onConfirm={() => !remove.isPending && remove.mutate(deleting)}
          onCancel={() => setDeleting(null)}
        />
      ) : null}
    </div>
  );
}
