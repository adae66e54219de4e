/** The data of one step: each attempt's rendered input and its result or error. */

import { useState } from "react";

import { JsonTree } from "../../components/JsonTree";
import { StatusBadge, Time } from "../../components/Status";
import { formatDuration, runDuration, type StepRow } from "../../graph/execution";

export function StepDetail({ row, onClose }: { row: StepRow; onClose: () => void }) {
  const [index, setIndex] = useState(Math.max(0, row.attempts.length - 1));
  const run = row.attempts[index] ?? row.last;
  return (
    <section className="step-detail" data-testid="step-detail" aria-label={`Step ${row.stepId}`}>
      <header className="panel-header">
        <h2>
          {row.stepId} <StatusBadge status={row.status} testId="step-detail-status" />
        </h2>
        {row.attempts.length > 1 ? (
          <div className="attempt-tabs" role="tablist" aria-label="Attempts">
            {row.attempts.map((a, i) => (
              <button
                key={a.attempt}
                type="button"
                role="tab"
                aria-selected={i === index}
                className={i === index ? "active" : undefined}
                onClick={() => setIndex(i)}
                data-testid={`attempt-${a.attempt}`}
              >
                attempt {a.attempt} · {a.status}
              </button>
            ))}
          </div>
        ) : null}
        <button type="button" className="icon" aria-label="Close step" onClick={onClose}>
          ×
        </button>
      </header>
      {!run ? (
        <p className="muted">This step has not run.</p>
      ) : (
        <>
          <p className="muted small-text">
            Started <Time value={run.started_at} /> · finished <Time value={run.finished_at} /> ·{" "}
            {formatDuration(runDuration(run))}
          </p>
          <div className="step-data">
            <JsonTree value={run.input ?? null} title="Input (rendered parameters)" testId="step-input" />
            {run.error ? (
              <JsonTree value={run.error} title="Error" testId="step-error" openDepth={3} />
            ) : (
              <JsonTree
                value={run.output ?? null}
                title={run.output_truncated ? "Result (truncated)" : "Result"}
                testId="step-result"
              />
            )}
          </div>
        </>
      )}
    </section>
  );
}
