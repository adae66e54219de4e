/** A labelled form field with its description and its validation messages. */

import type { ReactNode } from "react";

interface FieldProps {
  label: string;
  htmlFor: string;
  path: string;
  required?: boolean;
  hint?: ReactNode;
  errors?: readonly string[];
  children: ReactNode;
}

export function Field({ label, htmlFor, path, required, hint, errors = [], children }: FieldProps) {
  return (
    <div className={`field${errors.length ? " field-invalid" : ""}`} data-testid={`field-${path}`}>
      <label htmlFor={htmlFor}>
        {label}
        {required ? (
          <span className="required" aria-label="required" title="required">
            {" "}
            *
          </span>
        ) : null}
      </label>
      {children}
      {hint ? <div className="hint">{hint}</div> : null}
      {errors.map((message, i) => (
        <div key={i} className="field-error" role="alert" data-testid={`field-error-${path}`}>
          {message}
        </div>
      ))}
    </div>
  );
}
