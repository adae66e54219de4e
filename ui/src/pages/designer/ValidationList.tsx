/** Every problem of the workflow, each leading to its node. */

import type { Validation } from "./useDesigner";

interface ValidationListProps {
  validation: Validation;
  onSelect: (nodeId: string) => void;
}

export function ValidationList({ validation, onSelect }: ValidationListProps) {
  const problems = validation.index.all;
  const state = validation.pending
    ? "checking…"
    : validation.error
      ? "not checked"
      : problems.length
        ? `${problems.length} problem${problems.length === 1 ? "" : "s"}`
        : "valid";
  return (
    <details
      className={`validation${problems.length ? " has-problems" : ""}`}
      open={problems.length > 0 || undefined}
      data-testid="validation-list"
    >
      <summary>
        Validation: <span data-testid="validation-state">{state}</span>
      </summary>
      {validation.error ? <div className="field-error">Could not validate: {validation.error}</div> : null}
      <ul>
        {problems.map((p, i) => (
          <li key={i} data-testid="problem-item">
            {p.nodeId ? (
              <button type="button" className="link" onClick={() => onSelect(p.nodeId as string)}>
                <code>{p.path}</code>
              </button>
            ) : (
              <code>{p.path || "workflow"}</code>
            )}{" "}
            {p.message}
          </li>
        ))}
      </ul>
    </details>
  );
}
