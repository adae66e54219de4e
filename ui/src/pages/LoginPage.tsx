/** Sign in with the admin account created on the first start (or any user). */

import { useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";

import { useApi, useSession } from "../app/context";
import { session } from "../app/session";
import { ErrorBox } from "../components/Feedback";

function safeNext(next: string | null): string {
  // Only same-site paths, so a crafted link cannot send the user elsewhere after sign-in.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/workflows";
}

export function LoginPage() {
  const api = useApi();
  const { token } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState("admin");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next"));
  if (token) return <Navigate to={next} replace />;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api.login(username, password);
      session.signIn(result.token, result.user);
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login-page">
      <form className="login-card" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <h1>
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{" "}
          Threatflow
        </h1>
        <p className="muted">Sign in to design workflows and follow executions.</p>
        <label>
          Username
          <input
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            data-testid="login-username"
            required
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
            required
            autoFocus
          />
        </label>
        {error ? <ErrorBox error={error} /> : null}
        <button type="submit" className="primary" disabled={busy} data-testid="login-submit">
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="muted small-text">
          The first start creates the account <code>admin</code> with the password from THREATFLOW_ADMIN_PASSWORD (or
          printed in the server log).
        </p>
      </form>
    </div>
  );
}
