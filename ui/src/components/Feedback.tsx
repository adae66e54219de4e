/** Loading, empty and error states, so that no screen is ever blank. */

import type { ReactNode } from "react";

import { ApiError, errorMessage } from "../api/client";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status" data-testid="loading">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId ?? "empty-state"}>
      <h3>{title}</h3>
      {children}
    </div>
  );
}

/** The API's message (and its problems) for a failed request. */
export function ErrorBox({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const problems = error instanceof ApiError ? error.problems : [];
  return (
    <div className="error-box" role="alert" data-testid="error-box">
      {title ? <strong>{title}: </strong> : null}
      <span>{errorMessage(error)}</span>
      {problems.length ? (
        <ul>
          {problems.map((p, i) => (
            <li key={i}>
              {p.path ? <code>{p.path}</code> : null} {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
