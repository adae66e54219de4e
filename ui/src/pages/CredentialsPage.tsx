/**
 * Credentials: create, edit, delete and test. Secret fields are write-only: the API shows them
 * masked, and an untouched secret is sent back masked so the server keeps its value.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { MASKED, type App, type Credential } from "../api/types";
import { useApi } from "../app/context";
import { useNotify } from "../app/toasts";
import { EmptyState, ErrorBox, Loading } from "../components/Feedback";
import { ConfirmDialog } from "../components/Modal";
import { Time } from "../components/Status";
import { CredentialDialog } from "./CredentialDialog";

type Editing = { mode: "create" } | { mode: "edit"; credential: Credential };

function TestButton({ name }: { name: string }) {
  const api = useApi();
  const test = useMutation({ mutationFn: () => api.testCredential(name) });
  return (
    <>
      <button
        type="button"
        className="small"
        disabled={test.isPending}
        onClick={() => test.mutate()}
        data-testid="credential-test"
      >
        {test.isPending ? "Testing…" : "Test"}
      </button>
      {test.data ? (
        <span className={test.data.ok ? "ok-text" : "error-text"} data-testid="credential-test-result">
          {test.data.ok ? "✔" : "✖"} {test.data.message}
        </span>
      ) : null}
      {test.isError ? <span className="error-text">{test.error.message}</span> : null}
    </>
  );
}

function fieldPreview(credential: Credential, app: App | undefined): string {
  return Object.entries(credential.fields)
    .map(([key, value]) => {
      const secret = value === MASKED || app?.credential_fields.find((f) => f.name === key)?.secret;
      return `${key}=${secret ? MASKED : String(value)}`;
    })
    .join("  ");
}

export function CredentialsPage() {
  const api = useApi();
  const notify = useNotify();
  const client = useQueryClient();
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<Credential | null>(null);
  const credentials = useQuery({ queryKey: ["credentials"], queryFn: () => api.listCredentials() });
  const apps = useQuery({ queryKey: ["apps"], queryFn: () => api.listApps(), staleTime: 300_000 });
  const appsWithCredentials = (apps.data?.items ?? []).filter((a) => a.credential_fields.length > 0);
  const remove = useMutation({
    mutationFn: (name: string) => api.deleteCredential(name),
    onSuccess: () => {
      notify("Credential deleted", "success");
      setDeleting(null);
      void client.invalidateQueries({ queryKey: ["credentials"] });
    },
    onError: (err: Error) => notify(err.message, "error"),
  });
  const items = credentials.data?.items ?? [];
  return (
    <div className="page" data-testid="credentials-page">
      <header className="page-header">
        <h1>Credentials</h1>
        <span className="spacer" />
        <button
          type="button"
          className="primary"
          onClick={() => setEditing({ mode: "create" })}
          disabled={!appsWithCredentials.length}
          data-testid="create-credential"
        >
          New credential
        </button>
      </header>
      <p className="muted">
        Secrets are stored encrypted and never shown again; leave a secret field untouched to keep its value.
      </p>
      {credentials.isPending ? <Loading /> : null}
      {credentials.isError ? <ErrorBox error={credentials.error} onRetry={() => void credentials.refetch()} /> : null}
      {credentials.isSuccess && !items.length ? (
        <EmptyState title="No credentials yet" testId="credentials-empty">
          <p>Add the URL and API key of TheHive, a Discord webhook, a SIEM… and pick them in a step.</p>
        </EmptyState>
      ) : null}
      {items.length ? (
        <table className="table" data-testid="credentials-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>App</th>
              <th>Fields</th>
              <th>Updated</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.name} data-testid="credential-row" data-credential={c.name}>
                <td>
                  <strong>{c.name}</strong>
                </td>
                <td>{c.app}</td>
                <td className="mono small-text">
                  {fieldPreview(
                    c,
                    apps.data?.items.find((a) => a.name === c.app),
                  )}
                </td>
                <td>
                  <Time value={c.updated_at} />
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="small"
                    onClick={() => setEditing({ mode: "edit", credential: c })}
                    data-testid="credential-edit"
                  >
                    Edit
                  </button>
                  <TestButton name={c.name} />
                  <button
                    type="button"
                    className="small danger"
                    onClick={() => setDeleting(c)}
                    data-testid="credential-delete"
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {editing ? (
        <CredentialDialog
          apps={appsWithCredentials}
          credential={editing.mode === "edit" ? editing.credential : null}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void client.invalidateQueries({ queryKey: ["credentials"] });
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete credential"
          message={`Delete “${deleting.name}”? Steps that use it will fail until another is picked.`}
          confirmLabel="Delete"
          danger
          onConfirm={() => remove.mutate(deleting.name)}
          onCancel={() => setDeleting(null)}
        />
      ) : null}
    </div>
  );
}
