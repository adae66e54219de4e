/** Shown instead of a blank screen when a screen fails to render or to load. */

import { isRouteErrorResponse, Link, useRouteError } from "react-router";

import { errorMessage } from "../api/client";

export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : errorMessage(error);
  return (
    <div className="page" data-testid="route-error">
      <div className="error-box" role="alert">
        <strong>This screen failed: </strong>
        {message}
      </div>
      <p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>{" "}
        or go to the <Link to="/workflows">workflows</Link>.
      </p>
    </div>
  );
}
