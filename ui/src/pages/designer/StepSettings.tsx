/** Retry, timeout, error handling and foreach settings of a step. */

import { useState } from "react";

import { Field } from "../../components/Field";
import type { Retry, Step } from "../../graph/types";
import { ExpressionInput } from "./ExpressionInput";

interface StepSettingsProps {
  step: Step;
  onPatch: (changes: Partial<Step>, group?: string) => void;
  errorsFor: (field: string) => string[];
  context: Record<string, unknown>;
}

/** A number input that keeps odd intermediate text but only reports numbers (or unset). */
function NumberInput({
  id,
  value,
  onChange,
  testId,
  min,
  step,
}: {
  id: string;
  value: number | null | undefined;
  onChange: (v: number | undefined) => void;
  testId: string;
  min?: number;
  step?: number;
}) {
  const [text, setText] = useState(value === undefined || value === null ? "" : String(value));
  return (
    <input
      id={id}
      type="number"
      inputMode="decimal"
      min={min}
      step={step ?? "any"}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const n = e.target.valueAsNumber;
        onChange(e.target.value === "" || Number.isNaN(n) ? undefined : n);
      }}
      data-testid={testId}
    />
  );
}

const RETRY_FIELDS: { key: keyof Retry; label: string; hint: string }[] = [
  { key: "attempts", label: "Attempts", hint: "Total tries, the first included (1 = no retry)" },
  { key: "backoff", label: "Backoff (s)", hint: "Wait before the second attempt" },
  { key: "factor", label: "Factor", hint: "Each wait is the previous one times this" },
  { key: "max_backoff", label: "Max backoff (s)", hint: "Longest wait" },
  { key: "jitter", label: "Jitter", hint: "Random share added to each wait (0–1)" },
];

export function StepSettings({ step, onPatch, errorsFor, context }: StepSettingsProps) {
  const retry = step.retry ?? {};
  const setRetry = (key: keyof Retry, value: unknown) => {
    const next: Record<string, unknown> = { ...retry };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onPatch({ retry: next as Retry }, `${step.id}.retry.${key}`);
  };
  const hasProblems = ["retry", "timeout", "foreach", "on_error"].some((f) => errorsFor(f).length > 0);
  return (
    <details className="settings" open={hasProblems || undefined} data-testid="step-settings">
      <summary>Retry, timeout, errors and loop</summary>
      <div className="grid-2">
        {RETRY_FIELDS.map(({ key, label, hint }) => (
          <Field
            key={key}
            label={label}
            htmlFor={`retry-${key}`}
            path={`retry.${key}`}
            hint={hint}
            errors={errorsFor(`retry.${key}`)}
          >
            <NumberInput
              id={`retry-${key}`}
              value={retry[key] as number | undefined}
              onChange={(v) => setRetry(key, v)}
              testId={`retry-${key}`}
              min={0}
            />
          </Field>
        ))}
        <Field
          label="Retry on"
          htmlFor="retry-on"
          path="retry.on"
          hint="Error types, comma separated (http, timeout, connection); empty: any retryable error"
          errors={errorsFor("retry.on")}
        >
          <input
            id="retry-on"
            value={(retry.on ?? []).join(", ")}
            onChange={(e) =>
              setRetry(
                "on",
                e.target.value
                  .split(",")
                  .map((s) => s.trim())
                  .filter(Boolean),
              )
            }
            data-testid="retry-on"
          />
        </Field>
        <Field
          label="Timeout (s)"
          htmlFor="step-timeout"
          path="timeout"
          hint="Per attempt; empty: no limit"
          errors={errorsFor("timeout")}
        >
          <NumberInput
            id="step-timeout"
            value={step.timeout}
            onChange={(v) => onPatch({ timeout: v ?? null }, `${step.id}.timeout`)}
            testId="step-timeout"
            min={0}
          />
        </Field>
        <Field
          label="On error"
          htmlFor="step-on-error"
          path="on_error"
          errors={errorsFor("on_error")}
          hint="Continue lets error edges and later steps run"
        >
          <select
            id="step-on-error"
            value={step.on_error ?? "fail"}
            onChange={(e) => onPatch({ on_error: e.target.value as "fail" | "continue" })}
            data-testid="step-on-error"
          >
            <option value="fail">fail the execution</option>
            <option value="continue">continue</option>
          </select>
        </Field>
      </div>
      <Field
        label="For each (items)"
        htmlFor="foreach-items"
        path="foreach.items"
        errors={errorsFor("foreach")}
        hint="A list expression such as {{ trigger.hosts }}; the step runs once per item and `item` holds the current one"
      >
        <ExpressionInput
          id="foreach-items"
          value={
            typeof step.foreach?.items === "string"
              ? step.foreach.items
              : step.foreach
                ? JSON.stringify(step.foreach.items)
                : ""
          }
          onChange={(text) =>
            onPatch({ foreach: text.trim() ? { ...step.foreach, items: text } : null }, `${step.id}.foreach`)
          }
          context={context}
          testId="foreach-items"
        />
      </Field>
      {step.foreach ? (
        <Field
          label="Concurrency"
          htmlFor="foreach-concurrency"
          path="foreach.concurrency"
          errors={errorsFor("foreach.concurrency")}
        >
          <NumberInput
            id="foreach-concurrency"
            value={step.foreach.concurrency}
            onChange={(v) =>
              onPatch({
                foreach: {
                  ...step.foreach,
                  items: step.foreach?.items,
                  ...(v === undefined ? {} : { concurrency: v }),
                },
              })
            }
            testId="foreach-concurrency"
            min={1}
            step={1}
          />
        </Field>
      ) : null}
    </details>
  );
}
