/** Settings: who is signed in, the API token and how to call the API with it. */

import { useState } from "react";

import { API_BASE } from "../api/client";
import { useSession } from "../app/context";
import { CopyButton } from "../components/CopyButton";

export function SettingsPage() {
  const { token, user } = useSession();
  const [shown, setShown] = useState(false);
  const origin = window.location.origin;
  const example = `curl -H 'Authorization: Bearer ${shown ? (token ?? "") : "<token>"}' ${origin}${API_BASE}/workflows`;
  return (
    <div className="page narrow" data-testid="settings-page">
      <header className="page-header">
        <h1>Settings</h1>
      </header>
      <section className="card">
        <h2>Account</h2>
        <p>
          Signed in as <strong data-testid="settings-username">{user?.username ?? "—"}</strong>
          {user?.is_admin ? <span className="tag">admin</span> : null}
        </p>
      </section>
      <section className="card">
        <h2>API token</h2>
        <p className="muted">
          This session's token. Send it as a bearer token to call the REST API from scripts; signing out revokes it.
        </p>
        <div className="copy-row">
          <input
            readOnly
            aria-label="API token"
            value={shown ? (token ?? "") : "•".repeat(24)}
            className="mono"
            data-testid="api-token"
          />
          <button type="button" className="small" onClick={() => setShown(!shown)} data-testid="toggle-token">
            {shown ? "Hide" : "Show"}
          </button>
          <CopyButton text={token ?? ""} testId="copy-token" />
        </div>
        <h3>Example</h3>
        <pre className="code-block">{example}</pre>
        <p className="small-text">
          Live events: <code>{`${API_BASE}/events?token=<token>`}</code> (server-sent events). Workflow schema:{" "}
          <code>{`${API_BASE}/schemas/workflow`}</code>.
        </p>
      </section>
    </div>
  );
}
