/** The app catalog: apps by category, with their actions and parameter documentation. */

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";

import type { App, AppAction } from "../api/types";
import { useApi } from "../app/context";
import { EmptyState, ErrorBox, Loading } from "../components/Feedback";
import { CATEGORIES } from "../graph/catalog";
import { fieldsFromSchema } from "../graph/schemaForm";

function ActionDoc({ app, action }: { app: App; action: AppAction }) {
  const fields = fieldsFromSchema(action.params_schema);
  return (
    <details className="action-doc" data-testid={`action-${app.name}.${action.name}`}>
      <summary>
        <strong>{action.title}</strong> <code>{`${app.name}.${action.name}`}</code>
      </summary>
      {action.description ? <p>{action.description}</p> : null}
      {action.docs_url ? (
        <p>
          <a href={action.docs_url} target="_blank" rel="noreferrer">
            Vendor documentation
          </a>
        </p>
      ) : null}
      {fields.length ? (
        <table className="table compact">
          <thead>
            <tr>
              <th>Parameter</th>
              <th>Type</th>
              <th>Required</th>
              <th>Default</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => (
              <tr key={f.name}>
                <td>
                  <code>{f.name}</code>
                </td>
                <td>{f.kind === "enum" ? f.options.map(String).join(" | ") : f.kind}</td>
                <td>{f.required ? "yes" : ""}</td>
                <td>{f.hasDefault ? <code>{JSON.stringify(f.default)}</code> : ""}</td>
                <td>{f.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No parameters.</p>
      )}
    </details>
  );
}

function AppCard({ app }: { app: App }) {
  return (
    <article className="app-card" data-testid={`app-${app.name}`}>
      <header>
        <h3>{app.title}</h3>
        <span className="muted small-text">
          {app.name} · v{app.version} · {app.source}
        </span>
      </header>
      {app.description ? <p>{app.description}</p> : null}
      {app.credential_fields.length ? (
        <p className="small-text">
          Credential fields:{" "}
          {app.credential_fields.map((f) => (
            <code key={f.name} title={f.description}>
              {f.name}
              {f.secret ? " (secret)" : ""}
              {f.required ? "*" : ""}{" "}
            </code>
          ))}
        </p>
      ) : null}
      {app.docs_url ? (
        <a href={app.docs_url} target="_blank" rel="noreferrer" className="small-text">
          Documentation
        </a>
      ) : null}
      {app.actions.map((action) => (
        <ActionDoc key={action.name} app={app} action={action} />
      ))}
    </article>
  );
}

export function AppsPage() {
  const api = useApi();
  const [search, setSearch] = useState("");
  const apps = useQuery({ queryKey: ["apps"], queryFn: () => api.listApps(), staleTime: 300_000 });
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
              <AppCard key={app.name} app={app} />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}
