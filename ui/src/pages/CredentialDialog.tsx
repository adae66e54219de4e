/** Create or edit a credential; secret inputs start empty and mean "keep" while empty. */

import { useState } from "react";

import type { App, Credential } from "../api/types";
import { useApi } from "../app/context";
import { credentialPayload } from "../app/credentials";
import { useNotify } from "../app/toasts";
import { Field } from "../components/Field";
import { ErrorBox } from "../components/Feedback";
import { Modal } from "../components/Modal";

interface CredentialDialogProps {
  apps: App[];
  credential: Credential | null;
  onClose: () => void;
  onSaved: () => void;
}

function initialValues(app: App | undefined, credential: Credential | null): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of app?.credential_fields ?? []) {
    const stored = credential?.fields[field.name];
    if (field.secret) values[field.name] = "";
    else if (stored !== undefined && stored !== null) values[field.name] = String(stored);
    else values[field.name] = field.default === null || field.default === undefined ? "" : String(field.default);
  }
  return values;
}

export function CredentialDialog({ apps, credential, onClose, onSaved }: CredentialDialogProps) {
  const api = useApi();
  const notify = useNotify();
  const editing = credential !== null;
  const [appName, setAppName] = useState(credential?.app ?? apps[0]?.name ?? "");
  const app = apps.find((a) => a.name === appName);
  const [name, setName] = useState(credential?.name ?? "");
  const [values, setValues] = useState(() => initialValues(app, credential));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const chooseApp = (next: string) => {
    setAppName(next);
    setValues(
      initialValues(
        apps.find((a) => a.name === next),
        null,
      ),
    );
    if (!name) setName(next);
  };
  const submit = async () => {
    if (!app) return;
    setBusy(true);
    setError(null);
    try {
      const fields = credentialPayload(app, values, editing);
      if (editing) await api.updateCredential(credential.name, fields);
      else await api.createCredential(name, app.name, fields);
      notify(`Credential ${name} saved`, "success");
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={editing ? `Edit credential ${credential.name}` : "New credential"}
      onClose={onClose}
      testId="credential-dialog"
      footer={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy || !name || !app}
            onClick={() => void submit()}
            data-testid="credential-save"
          >
            Save
          </button>
        </>
      }
    >
      <Field label="App" htmlFor="cred-app" path="app" required>
        <select
          id="cred-app"
          value={appName}
          disabled={editing}
          onChange={(e) => chooseApp(e.target.value)}
          data-testid="credential-app"
        >
          {apps.map((a) => (
            <option key={a.name} value={a.name}>
              {a.title} ({a.category})
            </option>
          ))}
        </select>
      </Field>
      <Field label="Name" htmlFor="cred-name" path="name" required hint="Steps refer to the credential by this name">
        <input
          id="cred-name"
          value={name}
          disabled={editing}
          onChange={(e) => setName(e.target.value)}
          data-testid="credential-name"
        />
      </Field>
      {app?.credential_fields.map((f) => (
        <Field
          key={f.name}
          label={f.title || f.name}
          htmlFor={`cred-${f.name}`}
          path={`fields.${f.name}`}
          required={f.required}
          hint={f.secret && editing ? `${f.description} Leave empty to keep the stored secret.`.trim() : f.description}
        >
          <input
            id={`cred-${f.name}`}
            type={f.secret ? "password" : "text"}
            autoComplete={f.secret ? "new-password" : "off"}
            placeholder={f.secret && editing ? "•••••••• (unchanged)" : ""}
            value={values[f.name] ?? ""}
            onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
            data-testid={`credential-field-${f.name}`}
          />
        </Field>
      ))}
      {error ? <ErrorBox error={error} /> : null}
    </Modal>
  );
}
