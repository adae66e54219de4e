/** One app of the catalog: its actions with their parameters, and for imported apps a Delete button. */

import { useQuery } from "@tanstack/react-query";

import type { App, AppAction } from "../../api/types";
import { isImported, openApiBadge } from "../../app/openapiImport";
import { fieldsFromSchema } from "../../graph/schemaForm";
import { useAppsApi } from "./appsApi";

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

/** "OpenAPI vN", N being how many times this name was imported (known from the export). */
function OpenApiBadge({ name }: { name: string }) {
  const appsApi = useAppsApi();
  const stored = useQuery({
    queryKey: ["apps", name, "export"],
    queryFn: () => appsApi.exportApp(name),
    select: (exported) => exported.version,
    staleTime: Infinity,
  });
  return (
    <span className="tag" title="Imported from an OpenAPI document" data-testid="app-openapi-badge">
      {openApiBadge(stored.data)}
    </span>
  );
}

export function AppCard({ app, onDelete }: { app: App; onDelete: (app: App) => void }) {
  const imported = isImported(app);
  return (
    <article className="app-card" data-testid={`app-${app.name}`}>
      <header>
        <h3>
          {app.title}
          {imported ? <OpenApiBadge name={app.name} /> : null}
        </h3>
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
      {app.docs_url || imported ? (
        <div className="row-actions">
          {app.docs_url ? (
            <a href={app.docs_url} target="_blank" rel="noreferrer" className="small-text">
              Documentation
            </a>
          ) : null}
          <span className="spacer" />
          {imported ? (
            <button type="button" className="small danger" onClick={() => onDelete(app)} data-testid="app-delete">
              Delete
            </button>
          ) : null}
        </div>
      ) : null}
      {app.actions.map((action) => (
        <ActionDoc key={action.name} app={app} action={action} />
      ))}
    </article>
  );
}
