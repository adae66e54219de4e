/** The steps of an execution: status, attempts, duration and a timing bar each. */

import { useMemo } from "react";

import { StatusBadge } from "../../components/Status";
import { formatDuration, timingBars, type StepRow } from "../../graph/execution";

interface StepListProps {
  rows: StepRow[];
  selected: string | null;
  onSelect: (stepId: string) => void;
}

export function StepList({ rows, selected, onSelect }: StepListProps) {
  const bars = useMemo(() => new Map(timingBars(rows).map((b) => [b.stepId, b])), [rows]);
  return (
    <table className="table clickable step-list" data-testid="step-list">
      <thead>
        <tr>
          <th>Step</th>
          <th>Status</th>
          <th>Attempts</th>
          <th>Duration</th>
          <th className="timing-col">Timing</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const bar = bars.get(row.stepId);
          return (
            <tr
              key={row.stepId}
              className={row.stepId === selected ? "selected" : undefined}
              onClick={() => onSelect(row.stepId)}
              data-testid={`step-row-${row.stepId}`}
              data-status={row.status}
            >
              <td>
                <button
                  type="button"
                  className="link"
                  onClick={() => onSelect(row.stepId)}
                  data-testid={`open-step-${row.stepId}`}
                >
                  {row.stepId}
                </button>
              </td>
              <td>
                <StatusBadge status={row.status} />
              </td>
              <td>{row.attempts.length || "—"}</td>
              <td>{formatDuration(row.durationMs)}</td>
              <td className="timing-col">
                <div className="timing-track" aria-hidden="true">
                  {bar ? (
                    <div
                      className={`timing-bar status-${row.status}`}
                      style={{ left: `${bar.offset}%`, width: `${Math.min(bar.width, 100 - bar.offset)}%` }}
                    />
                  ) : null}
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
