/** A JSON text area that reports only valid values and says what is wrong with the rest. */

import { useEffect, useRef, useState } from "react";

import { Field } from "../../components/Field";

interface JsonEditorProps {
  id: string;
  label: string;
  value: unknown;
  onChange: (value: unknown) => void;
  testId: string;
  errors?: string[];
  rows?: number;
  hint?: string;
}

function pretty(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

export function JsonEditor({ id, label, value, onChange, testId, errors = [], rows = 6, hint }: JsonEditorProps) {
  const [text, setText] = useState(() => pretty(value));
  const [error, setError] = useState<string | null>(null);
  const emitted = useRef(value);
  useEffect(() => {
    if (value !== emitted.current) {
      emitted.current = value;
      setText(pretty(value));
      setError(null);
    }
  }, [value]);
  const update = (next: string) => {
    setText(next);
    try {
      const parsed: unknown = next.trim() ? JSON.parse(next) : {};
      setError(null);
      emitted.current = parsed;
      onChange(parsed);
    } catch (err) {
      setError(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <Field label={label} htmlFor={id} path={id} errors={error ? [error, ...errors] : errors} hint={hint}>
      <textarea
        id={id}
        className="code"
        rows={rows}
        value={text}
        spellCheck={false}
        onChange={(e) => update(e.target.value)}
        data-testid={testId}
        aria-invalid={error ? true : undefined}
      />
    </Field>
  );
}
