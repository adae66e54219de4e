/** Status badges and times, shared by the executions screens. */

const STATUS_ICON: Record<string, string> = {
  queued: "◷",
  pending: "○",
  running: "▶",
  waiting: "⏸",
  succeeded: "✔",
  failed: "✖",
  skipped: "↷",
  cancelled: "⊘",
};

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`badge status-${status}`} data-testid={testId} data-status={status}>
      <span aria-hidden="true">{STATUS_ICON[status] ?? "•"}</span> {status}
    </span>
  );
}

/** A local date and time with the UTC value in the tooltip. */
export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <span>{value}</span>;
  return (
    <time dateTime={value} title={date.toISOString()}>
      {date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" })}
    </time>
  );
}
