/** The parameters of a step, as a form generated from the action's JSON Schema. */

import { memo, useEffect, useRef, useState } from "react";

import { Field } from "../../components/Field";
import { textToValue, valueToText, type FieldSpec } from "../../graph/schemaForm";
import { ExpressionInput } from "./ExpressionInput";

interface ParamInputProps {
  stepId: string;
  field: FieldSpec;
  value: unknown;
  onChange: (name: string, value: unknown) => void;
  errors: string[];
  context: Record<string, unknown>;
}

function typeHint(field: FieldSpec): string {
  const kind = field.kind === "text" ? "text" : field.kind === "list" ? "list, one item per line" : field.kind;
  const fallback =
    field.hasDefault && field.default !== null && field.default !== undefined
      ? ` · default ${JSON.stringify(field.default)}`
      : "";
  return `${field.name} · ${kind}${fallback}`;
}

/** One parameter; keeps the typed text while it does not parse (for example "1." or "{"). */
const ParamInput = memo(function ParamInput({ stepId, field, value, onChange, errors, context }: ParamInputProps) {
  const [text, setText] = useState(() => valueToText(field, value));
  const [local, setLocal] = useState<string | null>(null);
  const emitted = useRef<unknown>(value);
  useEffect(() => {
    // The value changed from outside (undo, YAML view): show it.
    if (value !== emitted.current) {
      emitted.current = value;
      setText(valueToText(field, value));
      setLocal(null);
    }
  }, [field, value]);
  const update = (next: string) => {
    setText(next);
    const parsed = textToValue(field, next);
    if (!parsed.ok) {
      setLocal(parsed.error);
      return;
    }
    setLocal(null);
    emitted.current = parsed.value;
    onChange(field.name, parsed.value);
  };
  const id = `param-${stepId}-${field.name}`;
  const testId = `param-${field.name}`;
  const shownErrors = local ? [local, ...errors] : errors;
  const control =
    field.kind === "enum" || (field.kind === "boolean" && !text.includes("{{")) ? (
      <select
        id={id}
        value={text}
        onChange={(e) => update(e.target.value)}
        data-testid={testId}
        aria-invalid={shownErrors.length > 0 || undefined}
      >
        <option value="">{field.required ? "— choose —" : "(not set)"}</option>
        {(field.kind === "boolean" ? ["true", "false"] : field.options.map(String)).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    ) : (
      <ExpressionInput
        id={id}
        value={text}
        onChange={update}
        context={context}
        multiline={field.kind === "text" || field.kind === "json" || field.kind === "list" || field.kind === "any"}
        invalid={shownErrors.length > 0}
        testId={testId}
        placeholder={field.kind === "json" ? "{ } or {{ expression }}" : undefined}
      />
    );
  return (
    <Field
      label={field.title}
      htmlFor={id}
      path={`params.${field.name}`}
      required={field.required}
      errors={shownErrors}
      hint={
        <>
          {field.description ? <span>{field.description} </span> : null}
          <code>{typeHint(field)}</code>
        </>
      }
    >
      {control}
    </Field>
  );
});

interface ParamsFormProps {
  stepId: string;
  fields: FieldSpec[];
  params: Record<string, unknown>;
  onChange: (name: string, value: unknown) => void;
  errorsFor: (field: string) => string[];
  context: Record<string, unknown>;
}

export function ParamsForm({ stepId, fields, params, onChange, errorsFor, context }: ParamsFormProps) {
  if (!fields.length) return <p className="muted">This action takes no parameters.</p>;
  return (
    <div className="params-form" data-testid="params-form">
      {fields.map((field) => (
        <ParamInput
          key={field.name}
          stepId={stepId}
          field={field}
          value={params[field.name]}
          onChange={onChange}
          errors={errorsFor(`params.${field.name}`)}
          context={context}
        />
      ))}
    </div>
  );
}
