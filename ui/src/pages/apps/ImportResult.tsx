/** What an OpenAPI import gave: the app, its version and actions, and every warning, grouped. */

import type { ImportedApp } from "../../api/apps";
import { importHeadline, summariseWarnings } from "../../app/openapiImport";

export function ImportResult({ result }: { result: ImportedApp }) {
  const summary = summariseWarnings(result.warnings);
  return (
    <div data-testid="openapi-import-result">
      <p className={summary.skipped ? "error-text" : "ok-text"} role="status" data-testid="openapi-import-headline">
        {summary.skipped ? "⚠" : "✔"} {importHeadline(result)}
      </p>
      <dl className="summary">
        <dt>App</dt>
        <dd>
          <code data-testid="openapi-import-result-name">{result.name}</code> ({result.title})
        </dd>
        <dt>Version</dt>
        <dd data-testid="openapi-import-result-version">{result.version}</dd>
        <dt>Actions</dt>
        <dd data-testid="openapi-import-result-actions">{result.actions}</dd>
        <dt>Warnings</dt>
        <dd data-testid="openapi-import-result-warnings">{summary.total}</dd>
      </dl>
      {summary.groups.map((group) => (
        <details key={group.key} open data-testid={`openapi-import-warnings-${group.key}`}>
          <summary>
            {group.title} ({group.items.length})
          </summary>
          <ul className="small-text">
            {group.items.map((warning) => (
              <li key={warning} data-testid="openapi-import-warning">
                {warning}
              </li>
            ))}
          </ul>
        </details>
      ))}
    </div>
  );
}
