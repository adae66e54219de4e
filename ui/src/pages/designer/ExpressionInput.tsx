/**
 * A text input (or text area) that completes `trigger.*`, `steps.<id>.result.*` and `vars.*`
 * in expressions. Arrow keys move in the list, Enter or Tab accept, Escape closes.
 */

import { useRef, useState, type KeyboardEvent } from "react";

import { applyCompletion, completionsAt, type CompletionResult } from "../../graph/expressions";

interface ExpressionInputProps {
  id: string;
  value: string;
  onChange: (text: string) => void;
  context: Record<string, unknown>;
  mode?: "template" | "expression";
  multiline?: boolean;
  placeholder?: string;
  invalid?: boolean;
  testId: string;
  label?: string;
}

export function ExpressionInput({
  id,
  value,
  onChange,
  context,
  mode = "template",
  multiline,
  placeholder,
  invalid,
  testId,
  label,
}: ExpressionInputProps) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [result, setResult] = useState<CompletionResult | null>(null);
  const [active, setActive] = useState(0);

  const refresh = (text: string) => {
    const cursor = ref.current?.selectionStart ?? text.length;
    setResult(completionsAt(text, cursor, context, mode));
    setActive(0);
  };
  const accept = (index: number) => {
    const option = result?.options[index];
    if (!result || !option) return;
    const next = applyCompletion(value, result, option);
    onChange(next.text);
    setResult(null);
    window.requestAnimationFrame(() => {
      ref.current?.setSelectionRange(next.cursor, next.cursor);
      refresh(next.text);
    });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (!result) {
      if (event.key === " " && event.ctrlKey) refresh(value);
      return;
    }
    const count = result.options.length;
    if (event.key === "ArrowDown") setActive((active + 1) % count);
    else if (event.key === "ArrowUp") setActive((active - 1 + count) % count);
    else if (event.key === "Enter" || event.key === "Tab") accept(active);
    else if (event.key === "Escape") setResult(null);
    else return;
    event.preventDefault();
    event.stopPropagation();
  };
  const common = {
    id,
    ref,
    value,
    placeholder,
    spellCheck: false,
    "aria-invalid": invalid || undefined,
    "aria-autocomplete": "list" as const,
    "aria-label": label,
    "data-testid": testId,
    className: multiline ? "code" : undefined,
    onChange: (e: { target: { value: string } }) => {
      onChange(e.target.value);
      refresh(e.target.value);
    },
    onKeyDown,
    onClick: () => refresh(value),
    onBlur: () => window.setTimeout(() => setResult(null), 150),
  };
  return (
    <div className="expression-input">
      {multiline ? <textarea rows={4} {...common} /> : <input type="text" {...common} />}
      {result ? (
        <ul className="completions" role="listbox" data-testid={`${testId}-completions`}>
          {result.options.map((option, index) => (
            <li
              key={option.label}
              role="option"
              aria-selected={index === active}
              className={index === active ? "active" : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(index);
              }}
            >
              <span className="completion-label">{option.label}</span>
              <span className="completion-detail">{option.detail}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
