/**
 * Canvas node components. They are memoised and read only their own `data`, so dragging one
 * node of a 100-step workflow re-renders that node alone.
 */

import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";

import type { StepNode, TriggerNode } from "../graph/convert";

const CATEGORY_ICON: Record<string, string> = {
  Communication: "✉",
  "Case Management": "▣",
  SIEM: "◎",
  Assets: "▤",
  IAM: "⚿",
  Intelligence: "✦",
  Network: "⇄",
  Eradication: "✂",
  Tools: "⚙",
};

const TRIGGER_ICON: Record<string, string> = { webhook: "⚡", schedule: "⏱", manual: "▶" };

function categoryClass(category: string | undefined): string {
  return `cat-${(category ?? "unknown").toLowerCase().replace(/[^a-z]+/g, "-")}`;
}

function ProblemBadge({ problems }: { problems: string[] }) {
  if (!problems.length) return null;
  return (
    <span className="node-problems" title={problems.join("\n")} data-testid="node-problems">
      ⚠ {problems.length}
    </span>
  );
}

export const StepNodeView = memo(function StepNodeView({ data, selected }: NodeProps<StepNode>) {
  const { step, info, problems, status, attempts } = data;
  const classes = [
    "tf-node",
    "tf-step",
    categoryClass(info?.category),
    status ? `status-${status}` : "",
    problems.length ? "has-problems" : "",
    selected ? "selected" : "",
  ];
  return (
    <div
      className={classes.filter(Boolean).join(" ")}
      data-testid={`node-${step.id}`}
      data-status={status ?? undefined}
      title={problems.join("\n") || undefined}
    >
      <Handle type="target" position={Position.Top} data-testid={`handle-in-${step.id}`} />
      <div className="tf-node-icon" aria-hidden="true">
        {CATEGORY_ICON[info?.category ?? ""] ?? "◇"}
      </div>
      <div className="tf-node-text">
        <div className="tf-node-title">{step.name || step.id}</div>
        <div className="tf-node-sub">
          {info ? `${info.appTitle} · ${info.title}` : `${step.app}.${step.action}`}
          {step.foreach ? " · for each" : ""}
        </div>
      </div>
      <ProblemBadge problems={problems} />
      {status ? (
        <span className={`node-status status-${status}`} data-testid={`node-status-${step.id}`}>
          {status}
          {attempts > 1 ? ` ×${attempts}` : ""}
        </span>
      ) : null}
      <Handle type="source" position={Position.Bottom} data-testid={`handle-out-${step.id}`} />
    </div>
  );
});

export const TriggerNodeView = memo(function TriggerNodeView({ data, selected }: NodeProps<TriggerNode>) {
  const { trigger, problems, fired } = data;
  const detail = trigger.type === "schedule" ? trigger.cron : trigger.type;
  const classes = [
    "tf-node",
    "tf-trigger",
    trigger.enabled === false ? "disabled" : "",
    fired ? "fired" : "",
    problems.length ? "has-problems" : "",
    selected ? "selected" : "",
  ];
  return (
    <div className={classes.filter(Boolean).join(" ")} data-testid={`trigger-${trigger.id}`}>
      <div className="tf-node-icon" aria-hidden="true">
        {TRIGGER_ICON[trigger.type] ?? "●"}
      </div>
      <div className="tf-node-text">
        <div className="tf-node-title">{trigger.name || trigger.id}</div>
        <div className="tf-node-sub">
          trigger · {detail}
          {trigger.enabled === false ? " · off" : ""}
        </div>
      </div>
      <ProblemBadge problems={problems} />
      <Handle type="source" position={Position.Bottom} data-testid={`handle-out-trigger-${trigger.id}`} />
    </div>
  );
});

export const NODE_TYPES = { step: StepNodeView, trigger: TriggerNodeView };
