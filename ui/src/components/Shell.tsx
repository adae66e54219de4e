/** The signed-in frame: navigation, the live indicator and the sign-out button. */

import { useQuery } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { Link, Navigate, NavLink, Outlet, useLocation } from "react-router";

import { useApi, useSession } from "../app/context";
import { useEventStream } from "../app/events";
import { session } from "../app/session";

const NAV = [
  { to: "/workflows", label: "Workflows" },
  { to: "/executions", label: "Executions" },
  { to: "/apps", label: "Apps" },
  { to: "/credentials", label: "Credentials" },
  { to: "/settings", label: "Settings" },
];

/** Send visitors without a session to the sign-in page, then back where they were. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { token } = useSession();
  const location = useLocation();
  if (!token) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return <>{children}</>;
}

export function Shell() {
  const api = useApi();
  const { token, user } = useSession();
  const stream = useEventStream(token);
  // Confirms the stored token is still valid; a 401 signs out through the API client.
  const me = useQuery({ queryKey: ["me", token], queryFn: () => api.me(), staleTime: 60_000 });
  useEffect(() => {
    if (me.data) session.setUser(me.data);
  }, [me.data]);
  const signOut = async () => {
    await api.logout().catch(() => undefined);
    session.signOut();
  };
  return (
    <div className="shell">
      <header className="topbar">
        <Link className="brand" to="/workflows">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{" "}
          Threatflow
        </Link>
        <nav aria-label="Main" className="mainnav">
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} data-testid={`nav-${item.label.toLowerCase()}`}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <span className={`live live-${stream}`} title={`Live updates: ${stream}`} data-testid="live-indicator">
          ● {stream === "live" ? "live" : stream}
        </span>
        <span className="user" data-testid="current-user">
          {user?.username ?? ""}
        </span>
        <button type="button" onClick={() => void signOut()} data-testid="sign-out">
          Sign out
        </button>
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
