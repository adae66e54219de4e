/** Client-side routes; the server answers index.html for each of these paths. */

import { createBrowserRouter, Navigate } from "react-router";

import { RequireSession, Shell } from "./components/Shell";
import { ExecutionsPage } from "./pages/executions/ExecutionsPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { RouteError } from "./pages/RouteError";
import { SettingsPage } from "./pages/SettingsPage";
import { WorkflowsPage } from "./pages/WorkflowsPage";

// The canvas library and the larger screens load on first use, so sign-in stays light.
export const router = createBrowserRouter([
  { path: "/login", element: <LoginPage />, errorElement: <RouteError /> },
  {
    path: "/",
    errorElement: <RouteError />,
    element: (
      <RequireSession>
        <Shell />
      </RequireSession>
    ),
    children: [
      {
        errorElement: <RouteError />,
        children: [
          { index: true, element: <Navigate to="/workflows" replace /> },
          { path: "workflows", element: <WorkflowsPage /> },
          {
            path: "workflows/:id",
            lazy: async () => ({ Component: (await import("./pages/designer/DesignerPage")).DesignerPage }),
          },
          { path: "executions", element: <ExecutionsPage /> },
          {
            path: "executions/:id",
            lazy: async () => ({
              Component: (await import("./pages/executions/ExecutionDetailPage")).ExecutionDetailPage,
            }),
          },
          { path: "apps", lazy: async () => ({ Component: (await import("./pages/AppsPage")).AppsPage }) },
          {
            path: "credentials",
            lazy: async () => ({ Component: (await import("./pages/CredentialsPage")).CredentialsPage }),
          },
          { path: "settings", element: <SettingsPage /> },
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
