import { Link } from "react-router";

import { EmptyState } from "../components/Feedback";

export function NotFoundPage() {
  return (
    <EmptyState title="Page not found" testId="not-found">
      <p>
        Nothing lives at this address. Go to the <Link to="/workflows">workflows</Link>.
      </p>
    </EmptyState>
  );
}
